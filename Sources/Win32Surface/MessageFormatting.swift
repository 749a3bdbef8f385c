import IOKernel

/// One `FormatMessage` call's message: where its text comes from and how its inserts and
/// escapes expand (the rules are listed on ``FormatMessageW(_:_:_:_:_:_:_:file:line:)``).
struct MessageRequest {
    let flags: DWORD
    let source: UnsafeRawPointer?
    let messageID: DWORD
    let languageID: DWORD
    let arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?
    /// `FormatMessageW` (strings are UTF-16 by default) rather than `FormatMessageA`.
    let wide: Bool

    private var has: (Int32) -> Bool { { flag in flags & DWORD(flag) != 0 } }

    /// The expanded message, or the Win32 error the call fails with.
    func format(_ thread: SimThread) -> Result<String, Win32Failure> {
        let text: String
        switch messageText(thread) {
        case .failure(let error): return .failure(error)
        case .success(let found): text = found
        }
        return expand(text)
    }

    /// The message before expansion.
    private func messageText(_ thread: SimThread) -> Result<String, Win32Failure> {
        let fromString = has(FORMAT_MESSAGE_FROM_STRING)
        let fromSystem = has(FORMAT_MESSAGE_FROM_SYSTEM)
        let fromModule = has(FORMAT_MESSAGE_FROM_HMODULE)
        if fromString {
            guard !fromSystem, !fromModule, let source else { return .failure(Win32Failure(ERROR_INVALID_PARAMETER)) }
            return .success(wide ? wideString(source) : narrowString(source))
        }
        guard fromSystem else {
            return .failure(Win32Failure(fromModule ? ERROR_RESOURCE_TYPE_NOT_FOUND : ERROR_INVALID_PARAMETER))
        }
        // winnt.h: the primary language is the low 10 bits. The table is in English.
        let primary = languageID & 0x3FF
        guard languageID == 0 || primary == DWORD(LANG_NEUTRAL) || primary == DWORD(LANG_ENGLISH) else {
            return .failure(Win32Failure(ERROR_RESOURCE_LANG_NOT_FOUND))
        }
        guard let entry = SystemErrorTable.entry(messageID), !entry.message.isEmpty else {
            return .failure(Win32Failure(ERROR_MR_MID_NOT_FOUND))
        }
        // A message-table entry ends with its line break.
        return .success(entry.message + "\r\n")
    }

    /// Expands inserts and escapes and normalises line breaks.
    private func expand(_ text: String) -> Result<String, Win32Failure> {
        let maxWidth = flags & DWORD(FORMAT_MESSAGE_MAX_WIDTH_MASK)
        let lineBreak = maxWidth == 0 ? "\r\n" : " "
        let ignoresInserts = has(FORMAT_MESSAGE_IGNORE_INSERTS)
        let characters = Array(text.unicodeScalars)
        var output = String.UnicodeScalarView()
        var index = 0
        func append(_ string: String) { output.append(contentsOf: string.unicodeScalars) }
        while index < characters.count {
            let character = characters[index]
            index += 1
            switch character {
            case "\r":
                if index < characters.count, characters[index] == "\n" { index += 1 }
                append(lineBreak)
            case "\n":
                append(lineBreak)
            case "%":
                guard index < characters.count else { return .failure(Win32Failure(ERROR_INVALID_PARAMETER)) }
                let escape = characters[index]
                index += 1
                switch escape {
                case "0": return .success(String(output))
                case "n": append("\r\n")
                case "r": append("\r")
                case "t": append("\t")
                case "1"..."9":
                    var number = Int(escape.value - 48)
                    if index < characters.count, ("0"..."9").contains(characters[index]) {
                        number = number * 10 + Int(characters[index].value - 48)
                        index += 1
                    }
                    var format = "s"
                    var formatText = ""
                    if index < characters.count, characters[index] == "!" {
                        guard let close = characters[(index + 1)...].firstIndex(of: "!") else {
                            return .failure(Win32Failure(ERROR_INVALID_PARAMETER))
                        }
                        format = String(String.UnicodeScalarView(characters[(index + 1)..<close]))
                        formatText = "!" + format + "!"
                        index = close + 1
                    }
                    if ignoresInserts {
                        append("%\(number)" + formatText)
                        continue
                    }
                    guard let arguments else { return .failure(Win32Failure(ERROR_INVALID_PARAMETER)) }
                    switch insert(number, format: format, arguments) {
                    case .failure(let error): return .failure(error)
                    case .success(let inserted): append(inserted)
                    }
                case "%", ".", "!", " ":
                    output.append(escape)
                default:
                    // Any other character stands for itself; with FORMAT_MESSAGE_IGNORE_INSERTS the
                    // sequence is passed through whole (a system text's printf `%s`, `%hs`).
                    if ignoresInserts { output.append("%") }
                    output.append(escape)
                }
            default:
                output.append(character)
            }
        }
        return .success(String(output))
    }

    /// Insert `number` (1-based) formatted with a printf `format`.
    private func insert(_ number: Int, format: String, _ arguments: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>)
        -> Result<String, Win32Failure>
    {
        // FORMAT_MESSAGE_ARGUMENT_ARRAY: `Arguments` is an array of DWORD_PTR. Otherwise it
        // points at an x64 va_list, a pointer to 8-byte argument slots. Both are indexed.
        let slots: UnsafeRawPointer? =
            has(FORMAT_MESSAGE_ARGUMENT_ARRAY) ? UnsafeRawPointer(arguments) : UnsafeRawPointer(arguments.pointee)
        guard let slots else { return .failure(Win32Failure(ERROR_INVALID_PARAMETER)) }
        // The array has no length: Windows reads whatever the insert's number points at. A
        // tracked array too short for it is a violation and the call fails, never an over-read.
        guard SimThread.current?.kernel.probeUserBuffer(slots + (number - 1) * 8, count: 8, writing: false, call: "FormatMessage",
                                                        reportingFreed: true) ?? false
        else { return .failure(Win32Failure(ERROR_NOACCESS)) }
        let slot = slots.loadUnaligned(fromByteOffset: (number - 1) * 8, as: UInt64.self)
        guard let spec = PrintfSpec(format) else { return .failure(Win32Failure(ERROR_INVALID_PARAMETER)) }
        return .success(spec.render(slot, wideByDefault: wide))
    }
}

/// A Win32 error code to fail a call with.
struct Win32Failure: Error {
    let code: Int32
    init(_ code: Int32) { self.code = code }
}

/// The printf subset FormatMessage's `!format!` uses: flags `-`, `0`, `+`, ` `, `#`; width;
/// precision; sizes `h`, `l`, `ll`, `w`, `I64`, `I32`, `I`; conversions `s S c C d i u x X o p`.
private struct PrintfSpec {
    var leftAlign = false
    var zeroPad = false
    var plus = false
    var space = false
    var alternate = false
    var width = 0
    var precision: Int?
    var size = ""
    var conversion: Character = "s"

    init?(_ format: String) {
        var characters = Substring(format)
        while let first = characters.first, "-0+ #".contains(first) {
            switch first {
            case "-": leftAlign = true
            case "0": zeroPad = true
            case "+": plus = true
            case " ": space = true
            default: alternate = true
            }
            characters.removeFirst()
        }
        let widthDigits = characters.prefix { $0.isASCII && $0.isNumber }
        width = Int(widthDigits) ?? 0
        characters.removeFirst(widthDigits.count)
        if characters.first == "." {
            characters.removeFirst()
            let digits = characters.prefix { $0.isASCII && $0.isNumber }
            precision = Int(digits) ?? 0
            characters.removeFirst(digits.count)
        }
        for prefix in ["I64", "I32", "ll", "h", "l", "w", "I"] where characters.hasPrefix(prefix) {
            size = prefix
            characters.removeFirst(prefix.count)
            break
        }
        guard characters.count == 1, let conversion = characters.first, "sScCdiuxXop".contains(conversion) else {
            return nil
        }
        self.conversion = conversion
    }

    func render(_ slot: UInt64, wideByDefault: Bool) -> String {
        var body: String
        switch conversion {
        case "s", "S":
            let wide = size == "l" || size == "w" ? true : size == "h" ? false : (conversion == "s") == wideByDefault
            if let pointer = UnsafeRawPointer(bitPattern: UInt(slot)) {
                body = wide ? wideString(pointer) : narrowString(pointer)
            } else {
                body = "(null)"
            }
            if let precision { body = String(body.prefix(precision)) }
        case "c", "C":
            let wide = size == "l" || size == "w" ? true : size == "h" ? false : (conversion == "c") == wideByDefault
            let value = wide ? UInt32(UInt16(truncatingIfNeeded: slot)) : UInt32(UInt8(truncatingIfNeeded: slot))
            body = Unicode.Scalar(value).map { String(Character($0)) } ?? "\u{FFFD}"
        case "p":
            body = String(slot, radix: 16, uppercase: true)
            body = String(repeating: "0", count: max(0, 16 - body.count)) + body
        default:
            body = integer(slot)
        }
        let padding = max(0, width - body.count)
        if padding == 0 { return body }
        if leftAlign { return body + String(repeating: " ", count: padding) }
        if zeroPad, precision == nil, "diuxXo".contains(conversion) {
            let sign = body.first.map { "+- ".contains($0) } == true ? String(body.removeFirst()) : ""
            return sign + String(repeating: "0", count: padding) + body
        }
        return String(repeating: " ", count: padding) + body
    }

    private func integer(_ slot: UInt64) -> String {
        let wide64 = size == "I64" || size == "ll" || size == "I"
        let signed = conversion == "d" || conversion == "i"
        var digits: String
        var sign = ""
        if signed {
            let value = wide64 ? Int64(bitPattern: slot) : Int64(Int32(truncatingIfNeeded: slot))
            digits = String(value.magnitude)
            sign = value < 0 ? "-" : plus ? "+" : space ? " " : ""
        } else {
            let value = wide64 ? slot : UInt64(UInt32(truncatingIfNeeded: slot))
            let radix = conversion == "u" ? 10 : conversion == "o" ? 8 : 16
            digits = String(value, radix: radix, uppercase: conversion == "X")
            if alternate, value != 0, radix == 16 { sign = conversion == "X" ? "0X" : "0x" }
            if alternate, radix == 8 { digits = "0" + digits }
        }
        if let precision, digits.count < precision {
            digits = String(repeating: "0", count: precision - digits.count) + digits
        }
        return sign + digits
    }
}

/// A NUL-terminated UTF-16 string from caller memory.
func wideString(_ pointer: UnsafeRawPointer) -> String {
    let units = pointer.assumingMemoryBound(to: UInt16.self)
    return String(decoding: UnsafeBufferPointer(start: units, count: wideStringLength(units)), as: UTF16.self)
}

/// A NUL-terminated UTF-8 string from caller memory.
func narrowString(_ pointer: UnsafeRawPointer) -> String {
    let length = cStringLength(pointer.assumingMemoryBound(to: CChar.self))
    return String(decoding: UnsafeBufferPointer(start: pointer.assumingMemoryBound(to: UInt8.self), count: length),
                  as: UTF8.self)
}
