#if !os(Windows)
import IOKernel
import Win32Surface

// The C runtime's time functions (time.h) on the simulated clock, with the Universal CRT's
// signatures: `_time64`, `_gmtime64_s`, `_localtime64_s` and `strftime` in the "C" locale, as
// swift-log's StreamLogHandler stamps its lines. The simulated machine's time zone is UTC
// (GetLocalTime), so local time is UTC time, `tm_isdst` is 0 and `%z` is `+0000`. A null pointer
// or an out-of-range time is `EINVAL`, as when the CRT's invalid-parameter handler lets the call
// return (the default handler would end the process).

/// `struct tm`: a broken-down time (seconds, minutes, hours, day of the month 1–31, month 0–11,
/// years since 1900, day of the week 0–6 from Sunday, day of the year 0–365, daylight saving).
public struct tm: Sendable, Equatable {
    public var tm_sec: Int32
    public var tm_min: Int32
    public var tm_hour: Int32
    public var tm_mday: Int32
    public var tm_mon: Int32
    public var tm_year: Int32
    public var tm_wday: Int32
    public var tm_yday: Int32
    public var tm_isdst: Int32

    public init() {
        (tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year, tm_wday, tm_yday, tm_isdst) = (0, 0, 0, 0, 0, 0, 0, 0, 0)
    }

    public init(tm_sec: Int32, tm_min: Int32, tm_hour: Int32, tm_mday: Int32, tm_mon: Int32, tm_year: Int32,
                tm_wday: Int32, tm_yday: Int32, tm_isdst: Int32)
    {
        (self.tm_sec, self.tm_min, self.tm_hour, self.tm_mday, self.tm_mon, self.tm_year) = (tm_sec, tm_min, tm_hour, tm_mday, tm_mon, tm_year)
        (self.tm_wday, self.tm_yday, self.tm_isdst) = (tm_wday, tm_yday, tm_isdst)
    }
}

/// `_MAX__TIME64_T`: 3000-12-31 23:59:59 UTC, the last time the 64-bit functions convert.
public let _MAX__TIME64_T: __time64_t = 32_535_215_999

/// Stores into caller memory through the kernel's checked path when inside a simulation.
private func storeResult<T>(_ value: T, _ pointer: UnsafeMutablePointer<T>, _ call: StaticString) {
    if let kernel = SimThread.current?.kernel { kernel.storeToUser(value, at: pointer, call: call) } else { pointer.pointee = value }
}

/// `_time64`: the seconds since 1970-01-01 00:00:00 UTC on the simulated clock (which starts at
/// 2024-01-01), also stored at `destTime` if it is not null.
@discardableResult
public func _time64(_ destTime: UnsafeMutablePointer<__time64_t>?) -> __time64_t {
    var fileTime = FILETIME()
    GetSystemTimeAsFileTime(&fileTime)
    let ticks = Int64(fileTime.dwHighDateTime) << 32 | Int64(fileTime.dwLowDateTime)
    let seconds = (ticks - 116_444_736_000_000_000) / 10_000_000
    if let destTime { storeResult(seconds, destTime, "_time64") }
    return seconds
}

/// `_gmtime64_s`: `sourceTime` broken down as UTC. `EINVAL` for a null `tmDest` (left alone),
/// or a null, negative or too large `sourceTime` (every field of `tmDest` -1).
@discardableResult
public func _gmtime64_s(_ tmDest: UnsafeMutablePointer<tm>?, _ sourceTime: UnsafePointer<__time64_t>?) -> Int32 {
    brokenDown(tmDest, sourceTime, "_gmtime64_s")
}

/// `_localtime64_s`: `sourceTime` broken down in the simulated machine's time zone, UTC, so as
/// ``_gmtime64_s(_:_:)`` with `tm_isdst` 0.
@discardableResult
public func _localtime64_s(_ tmDest: UnsafeMutablePointer<tm>?, _ sourceTime: UnsafePointer<__time64_t>?) -> Int32 {
    brokenDown(tmDest, sourceTime, "_localtime64_s")
}

private func brokenDown(_ tmDest: UnsafeMutablePointer<tm>?, _ sourceTime: UnsafePointer<__time64_t>?, _ call: StaticString) -> Int32 {
    guard let tmDest else {
        _set_errno(EINVAL)
        return EINVAL
    }
    guard let sourceTime, sourceTime.pointee >= 0, sourceTime.pointee <= _MAX__TIME64_T else {
        storeResult(tm(tm_sec: -1, tm_min: -1, tm_hour: -1, tm_mday: -1, tm_mon: -1, tm_year: -1, tm_wday: -1, tm_yday: -1,
                       tm_isdst: -1), tmDest, call)
        _set_errno(EINVAL)
        return EINVAL
    }
    storeResult(CalendarTime(seconds: sourceTime.pointee).tm, tmDest, call)
    return 0
}

/// A time in seconds since 1970 broken down on the proleptic Gregorian calendar.
private struct CalendarTime {
    var tm: tm

    init(seconds: Int64) {
        let days = seconds / 86_400, remainder = seconds % 86_400
        // Civil-from-days (Howard Hinnant's algorithm), days since 1970-01-01.
        let z = days + 719_468
        let era = z / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let cumulative: [Int64] = [0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334]
        let yday = cumulative[Int(month - 1)] + day - 1 + (leap && month > 2 ? 1 : 0)
        tm = ucrt.tm(tm_sec: Int32(remainder % 60), tm_min: Int32(remainder / 60 % 60), tm_hour: Int32(remainder / 3_600),
                     tm_mday: Int32(day), tm_mon: Int32(month - 1), tm_year: Int32(year - 1900),
                     tm_wday: Int32((days + 4) % 7), tm_yday: Int32(yday), tm_isdst: 0)
    }
}

/// `strftime` in the "C" locale: `format` with each conversion of Microsoft's strftime page
/// replaced from `timeptr` (`%a %A %b %B %c %C %d %D %e %F %g %G %h %H %I %j %m %M %n %p %r %R
/// %S %t %T %u %U %V %w %W %x %X %y %Y %z %Z %%`, the `#` flag dropping leading zeros, `E` and
/// `O` ignored), NUL-terminated in `strDest`. The count of characters without the NUL, or 0 when
/// they and the NUL do not fit in `maxsize` (the buffer then starts with a NUL); a null pointer,
/// a size of 0 or an unknown conversion is `EINVAL` and 0. `%Z` is the zone's name, "Coordinated
/// Universal Time" (GetTimeZoneInformation's for UTC).
public func strftime(_ strDest: UnsafeMutablePointer<CChar>?, _ maxsize: Int, _ format: UnsafePointer<CChar>?,
                     _ timeptr: UnsafePointer<tm>?) -> Int
{
    guard let strDest, maxsize > 0, let format, let timeptr else {
        _set_errno(EINVAL)
        return 0
    }
    guard let text = formatTime(String(cString: format), timeptr.pointee) else {
        strDest.pointee = 0
        _set_errno(EINVAL)
        return 0
    }
    let bytes = Array(text.utf8)
    guard bytes.count + 1 <= maxsize else {
        strDest.pointee = 0
        return 0
    }
    for (index, byte) in (bytes + [0]).enumerated() { storeResult(CChar(bitPattern: byte), strDest + index, "strftime") }
    return bytes.count
}

private let weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]
private let months = ["January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                      "November", "December"]

/// Whether the fields of `time` that `conversion` reads hold values a `tm` can: strftime's
/// reference page makes a `tm` "that contains out of range values for the time or date" an
/// invalid parameter (0 and `EINVAL`). Checked per conversion, so a field a format never reads
/// may hold anything; no value can make the arithmetic below overflow.
private func fieldsInRange(for conversion: Character, _ time: tm) -> Bool {
    let second = (0...60).contains(time.tm_sec), minute = (0...59).contains(time.tm_min)
    let hour = (0...23).contains(time.tm_hour), day = (1...31).contains(time.tm_mday)
    let month = (0...11).contains(time.tm_mon), weekday = (0...6).contains(time.tm_wday)
    let yearDay = (0...365).contains(time.tm_yday)
    switch conversion {
    case "a", "A", "u", "w": return weekday
    case "b", "h", "B", "m": return month
    case "c": return second && minute && hour && day && month && weekday
    case "d", "e": return day
    case "D", "x", "F": return month && day
    case "H", "I", "p": return hour
    case "j": return yearDay
    case "M": return minute
    case "R": return hour && minute
    case "r", "T", "X": return hour && minute && second
    case "S": return second
    case "U", "W", "V", "g", "G": return yearDay && weekday
    default: return true
    }
}

/// The formatted time, or nil for a conversion strftime does not know.
private func formatTime(_ format: String, _ time: tm) -> String? {
    var result = ""
    var characters = format.makeIterator()
    func number(_ value: Int32, _ width: Int, _ trim: Bool, pad: Character = "0") -> String {
        let digits = String(value)
        guard !trim, digits.count < width else { return digits }
        return String(repeating: pad, count: width - digits.count) + digits
    }
    let year = Int(time.tm_year) + 1900
    func isoWeek() -> (year: Int, week: Int32) {
        // ISO 8601: weeks start on Monday; week 1 holds the year's first Thursday.
        let weekday = (Int(time.tm_wday) + 6) % 7
        let week = (Int(time.tm_yday) - weekday + 10) / 7
        func weeks(in year: Int) -> Int {
            let p = { (y: Int) in (y + y / 4 - y / 100 + y / 400) % 7 }
            return p(year) == 4 || p(year - 1) == 3 ? 53 : 52
        }
        if week < 1 { return (year - 1, Int32(weeks(in: year - 1))) }
        if week > weeks(in: year) { return (year + 1, 1) }
        return (year, Int32(week))
    }
    while let character = characters.next() {
        guard character == "%" else {
            result.append(character)
            continue
        }
        guard var conversion = characters.next() else { return nil }
        var trim = false
        if conversion == "#" {
            trim = true
            guard let next = characters.next() else { return nil }
            conversion = next
        }
        if conversion == "E" || conversion == "O" {
            guard let next = characters.next() else { return nil }
            conversion = next
        }
        guard fieldsInRange(for: conversion, time) else { return nil }
        let hour12 = time.tm_hour % 12 == 0 ? 12 : time.tm_hour % 12
        let weekday = weekdays.indices.contains(Int(time.tm_wday)) ? weekdays[Int(time.tm_wday)] : "?"
        let month = months.indices.contains(Int(time.tm_mon)) ? months[Int(time.tm_mon)] : "?"
        switch conversion {
        case "a": result += weekday.prefix(3)
        case "A": result += weekday
        case "b", "h": result += month.prefix(3)
        case "B": result += month
        case "c": result += formatTime("%a %b %e %H:%M:%S %Y", time) ?? ""
        case "C": result += number(Int32(year / 100), 2, trim)
        case "d": result += number(time.tm_mday, 2, trim)
        case "D", "x": result += formatTime("%m/%d/%y", time) ?? ""
        case "e": result += number(time.tm_mday, 2, trim, pad: " ")
        case "F": result += formatTime("%Y-%m-%d", time) ?? ""
        case "g": result += number(Int32(isoWeek().year % 100), 2, trim)
        case "G": result += String(isoWeek().year)
        case "H": result += number(time.tm_hour, 2, trim)
        case "I": result += number(hour12, 2, trim)
        case "j": result += number(time.tm_yday + 1, 3, trim)
        case "m": result += number(time.tm_mon + 1, 2, trim)
        case "M": result += number(time.tm_min, 2, trim)
        case "n": result += "\n"
        case "p": result += time.tm_hour < 12 ? "AM" : "PM"
        case "r": result += formatTime("%I:%M:%S %p", time) ?? ""
        case "R": result += formatTime("%H:%M", time) ?? ""
        case "S": result += number(time.tm_sec, 2, trim)
        case "t": result += "\t"
        case "T", "X": result += formatTime("%H:%M:%S", time) ?? ""
        case "u": result += String(time.tm_wday == 0 ? 7 : time.tm_wday)
        case "U": result += number((time.tm_yday + 7 - time.tm_wday) / 7, 2, trim)
        case "V": result += number(isoWeek().week, 2, trim)
        case "w": result += String(time.tm_wday)
        case "W": result += number((time.tm_yday + 7 - (time.tm_wday + 6) % 7) / 7, 2, trim)
        case "y": result += number(Int32(year % 100), 2, trim)
        case "Y": result += String(year)
        case "z": result += "+0000"
        case "Z": result += "Coordinated Universal Time"
        case "%": result += "%"
        default: return nil
        }
    }
    return result
}
#endif
