import Foundation
import IOKernel
import Win32Surface
import XCTest

// MARK: - Deterministic randomness

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, seedable generator, so that every run of the
/// fuzz makes exactly the same calls.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

nonisolated(unsafe) private var fuzzRoutineRuns = 0
nonisolated(unsafe) private var fuzzAPCRuns = 0

private let fuzzCompletionRoutine: LPOVERLAPPED_COMPLETION_ROUTINE = { _, _, _ in fuzzRoutineRuns += 1 }
private let fuzzAPC: PAPCFUNC = { _ in fuzzAPCRuns += 1 }

private func h(_ handle: HANDLE?) -> String {
    guard let handle else { return "NULL" }
    let bits = Int(bitPattern: handle)
    return bits < 0 ? "\(bits)" : "0x" + String(UInt(bitPattern: bits), radix: 16)
}

private func x(_ value: some BinaryInteger) -> String { "0x" + String(value, radix: 16) }

/// The state of one fuzz run: pools of handles, memory and nasty values, all inside one
/// simulation.
private final class FuzzWorld {
    var rng: SplitMix64
    let memory: ScenarioMemory
    let log: Bool

    // Memory, allocated once, valid for the whole test.
    static let bigSize = 1 << 16
    let big: UnsafeMutableRawPointer
    let overlappeds: [LPOVERLAPPED]
    let entries: LPOVERLAPPED_ENTRY
    static let entryCount = 16
    let dwords: UnsafeMutablePointer<DWORD>  // 16 output slots
    let longs: UnsafeMutablePointer<LONG>
    let largeInts: UnsafeMutablePointer<LARGE_INTEGER>
    let handleSlots: UnsafeMutablePointer<HANDLE?>
    let keySlot: UnsafeMutablePointer<ULONG_PTR>
    let ovSlot: UnsafeMutablePointer<LPOVERLAPPED?>

    // Handles, by what they were opened as (live or already closed).
    var all: [HANDLE?] = []
    var files: [HANDLE?] = []
    var pipes: [HANDLE?] = []
    var events: [HANDLE?] = []
    var ports: [HANDLE?] = []
    var threads: [HANDLE?] = []
    var closed: [HANDLE?] = []

    // Heap blocks (live or freed) with their sizes.
    var heapBlocks: [(UnsafeMutableRawPointer, Int)] = []

    var failuresWithoutError: [String] = []
    var calls = 0
    var failures = 0
    var tally: [String: (Int, Int)] = [:]

    init(seed: UInt64, memory: ScenarioMemory, log: Bool) {
        rng = SplitMix64(seed: seed)
        self.memory = memory
        self.log = log
        big = memory.buffer(Self.bigSize)
        overlappeds = (0..<48).map { _ in memory.overlapped() }
        entries = memory.buffer(MemoryLayout<OVERLAPPED_ENTRY>.stride * Self.entryCount)
            .bindMemory(to: OVERLAPPED_ENTRY.self, capacity: Self.entryCount)
        dwords = memory.buffer(64).bindMemory(to: DWORD.self, capacity: 16)
        longs = memory.buffer(64).bindMemory(to: LONG.self, capacity: 16)
        largeInts = memory.buffer(128).bindMemory(to: LARGE_INTEGER.self, capacity: 16)
        handleSlots = memory.buffer(128).bindMemory(to: HANDLE?.self, capacity: 16)
        keySlot = memory.buffer(8).bindMemory(to: ULONG_PTR.self, capacity: 1)
        ovSlot = memory.buffer(8).bindMemory(to: LPOVERLAPPED?.self, capacity: 1)
    }

    // MARK: Picking

    func int(_ n: Int) -> Int { Int(rng.next() % UInt64(n)) }
    func chance(_ percent: Int) -> Bool { int(100) < percent }
    func pick<T>(_ values: [T]) -> T { values[int(values.count)] }

    nonisolated(unsafe) static let nastyHandles: [HANDLE?] = [
        nil, HANDLE(bitPattern: -1), HANDLE(bitPattern: -2), HANDLE(bitPattern: -3), HANDLE(bitPattern: -4),
        HANDLE(bitPattern: -6), HANDLE(bitPattern: 0xDEAC), HANDLE(bitPattern: 0xDEAD_0000), HANDLE(bitPattern: 3),
        HANDLE(bitPattern: 4), HANDLE(bitPattern: 1), HANDLE(bitPattern: 0x7FFF_FFFF_FFFF_FFFC),
        HANDLE(bitPattern: 0x00A7_0000), HANDLE(bitPattern: UInt(UInt32.max)), HANDLE(bitPattern: Int.min),
    ]

    /// A handle: usually one of `preferred`, else any handle ever opened, else a nasty value.
    func handle(_ preferred: [HANDLE?]) -> HANDLE? {
        let roll = int(100)
        if roll < 65, !preferred.isEmpty { return pick(preferred) }
        if roll < 70, !closed.isEmpty { return pick(closed) }
        if roll < 85, !all.isEmpty { return pick(all) }
        return pick(Self.nastyHandles)
    }

    func anyHandle() -> HANDLE? { handle(all) }

    func add(_ handle: HANDLE?, to list: inout [HANDLE?]) {
        guard let handle, handle != INVALID_HANDLE_VALUE else { return }
        if all.count > 400 { return }
        list.append(handle)
        all.append(handle)
    }

    /// A buffer and a length that never exceeds it (nil buffers may have any length).
    func buffer() -> (UnsafeMutableRawPointer?, DWORD) {
        let lengths: [UInt64] = [0, 1, 4, 7, 512, 4096, 65536, 0x7FFF_FFFF, 0x8000_0000, UInt64(UInt32.max)]
        let wanted = pick(lengths)
        switch int(10) {
        case 0, 1:
            return (nil, DWORD(wanted))
        case 2, 3:
            if let block = heapBlocks.isEmpty ? nil : pick(heapBlocks) {
                return (block.0, DWORD(min(wanted, UInt64(block.1))))
            }
            return (big, DWORD(min(wanted, UInt64(Self.bigSize))))
        default:
            let offset = pick([0, 1, 3, 4096, Self.bigSize - 1])
            return (big + offset, DWORD(min(wanted, UInt64(Self.bigSize - offset))))
        }
    }

    /// One of the pool's OVERLAPPEDs, scribbled with nasty values, or nil.
    func overlapped(allowNil: Bool = true) -> LPOVERLAPPED? {
        if allowNil && chance(20) { return nil }
        let ov = pick(overlappeds)
        if chance(50) {
            ov.pointee.hEvent = pick([
                nil, nil, events.isEmpty ? nil : pick(events),
                events.isEmpty ? nil : HANDLE(bitPattern: UInt(bitPattern: pick(events)) | 1),
                handle(files), pick(Self.nastyHandles),
            ])
        }
        if chance(40) {
            let offset: UInt64 = pick([0, 0, 1, 4096, 0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF, 0x7FFF_FFFF_FFFF_FFFF,
                                       0x8000_0000_0000_0000, 1 << 40, 0xFFFF_FFFE])
            ov.pointee.Offset = DWORD(truncatingIfNeeded: offset)
            ov.pointee.OffsetHigh = DWORD(truncatingIfNeeded: offset >> 32)
        }
        if chance(5) {
            ov.pointee.Internal = pick([0, 0x103, 1, 0x8000_0005, 0xC000_0120, 0xFFFF_FFFF, 0xC000_0008, 0x4000_0000,
                                        0xFFFF_FFFF_FFFF_FFFF])
            ov.pointee.InternalHigh = pick([0, 4, 0xFFFF_FFFF, 0xFFFF_FFFF_FFFF_FFFF])
        }
        return ov
    }

    func dword() -> LPDWORD? { chance(25) ? nil : dwords + int(16) }
    func flags() -> DWORD { pick([0, 1, 2, 3, 4, 7, 8, 0x8000_0000, 0x4000_0000, 0xFFFF_FFFF, 0x0008_0000, 0x0400_0000]) }
    func timeout() -> DWORD { pick([0, 0, 0, 1, 10, 1000, INFINITE]) }
    func size() -> DWORD { pick([0, 1, 4, 4096, 65536, 0x7FFF_FFFF, 0x8000_0000, UInt32.max]) }

    static let longName = #"\\.\pipe\"# + String(repeating: "p", count: 70_000)
    static let longPath = #"C:\"# + String(repeating: #"dir\"#, count: 20_000) + "f.txt"
    static let paths: [String?] = [
        nil, "", #"C:\x\y.txt"#, #"C:\x\y.txt"#, #"C:\x\z.txt"#, "c:/x/Y.TXT", "y.txt", #"C:\"#, "C:", #"C:\."#,
        #"\\?\C:\x\y.txt"#, #"\??\C:\x\y.txt"#, #"C:\x\..\..\..\y.txt"#, #"C:\x\.\y.txt\"#, #"\\.\pipe\fuzz"#,
        #"\\.\pipe\fuzz"#, #"\\.\PIPE\FUZZ"#, #"\\.\pipe\"#, #"\\.\pipe"#, "fuzz", #"\\.\pipe\a\b"#, #"\\.\pipe\ "#,
        #"\\.\good"#, #"\\.\nosuch"#, #"\\server\share\x"#, #"\\"#, #"\"#, "/", "..", ".", "1:\\x", "é:\\x", "::", "C:x",
        "\u{0}", #"C:\x\y.txt"# + "\u{0}" + "tail", #"\\.\pipe\é😀"#, #"\\.\pipe\Win32Pipes.00000000.00000001"#,
        longName, longPath, #"C:\NUL"#, #"C:\con"#, #"\\.\C:"#, #"\Device\NamedPipe\fuzz"#, "C:\\x\\y.txt:stream",
    ]
    func path() -> String? { pick(Self.paths) }

    // MARK: Recording

    /// Runs one call: logs it first (when asked), checks that a failure set the last error.
    func call(_ description: @autoclosure () -> String, _ body: () -> Bool?) {
        calls += 1
        let text = log ? description() : ""
        if log {
            FileHandle.standardError.write(Data("FUZZ #\(calls): \(text)\n".utf8))
        }
        SetLastError(0)
        guard let failed = body() else { return }
        let key = String((log ? text : description()).prefix { $0 != "(" })
        tally[key, default: (0, 0)].0 += 1
        if !failed { tally[key, default: (0, 0)].1 += 1 }
        if failed {
            failures += 1
            if GetLastError() == 0 {
                failuresWithoutError.append("#\(calls) \(log ? text : description())")
            }
        }
    }

    // MARK: The calls

    func step() {
        switch int(46) {
        case 0, 1:
            let p = path()
            let access: DWORD = pick([0, GENERIC_READ, DWORD(GENERIC_WRITE), GENERIC_READ | DWORD(GENERIC_WRITE),
                                      DWORD(GENERIC_ALL), 0x0001_0000, 1, 0xFFFF_FFFF, GENERIC_READ | DWORD(GENERIC_WRITE)])
            let share: DWORD = pick([0, 1, 2, 3, 4, 7, 7, 0xFFFF_FFFF])
            let disposition: DWORD = pick([0, 1, 2, 3, 4, 5, 3, 4, 6, 0xFFFF_FFFF])
            let flags: DWORD = pick([0, DWORD(FILE_FLAG_OVERLAPPED), DWORD(FILE_FLAG_DELETE_ON_CLOSE),
                                     DWORD(FILE_FLAG_OVERLAPPED | FILE_FLAG_DELETE_ON_CLOSE), 0xFFFF_FFFF, 0x80])
            let wide = chance(50)
            var opened: HANDLE?
            call("CreateFile\(wide ? "W" : "A")(\(p.map { String($0.prefix(60)).debugDescription } ?? "NULL"), \(x(access)), \(x(share)), \(disposition), \(x(flags)))") {
                if wide, let p {
                    let units = Array(p.utf16) + [0]
                    opened = units.withUnsafeBufferPointer { CreateFileW($0.baseAddress, access, share, nil, disposition, flags, nil) }
                } else if wide {
                    opened = CreateFileW(nil, access, share, nil, disposition, flags, nil)
                } else {
                    opened = CreateFileA(p, access, share, nil, disposition, flags, nil)
                }
                return opened == INVALID_HANDLE_VALUE
            }
            if p?.lowercased().contains("pipe") ?? false { add(opened, to: &pipes) } else { add(opened, to: &files) }
        case 2, 3:
            let name: String? = chance(70) ? pick([#"\\.\pipe\fuzz"#, #"\\.\pipe\fuzz"#, #"\\.\pipe\Fuzz2"#]) : path()
            let openMode: DWORD = pick([0, 1, 2, 3, 3, 3 | 0x4000_0000, 1 | 0x4000_0000, 3 | 0x0008_0000, 4, 0xFFFF_FFFF,
                                        3 | 0x8000_0000, 0x4000_0000])
            let pipeMode: DWORD = pick([0, 0, 4, 6, 2, 1, 8, 5, 0xFFFF_FFFF, 0xFFFF_FFF0])
            let instances: DWORD = pick([0, 1, 2, 255, 256, UInt32.max, 2])
            let outSize = size(), inSize = size(), wait = timeout()
            let wide = chance(50)
            var created: HANDLE?
            call("CreateNamedPipe\(wide ? "W" : "A")(\(name.map { String($0.prefix(60)).debugDescription } ?? "NULL"), \(x(openMode)), \(x(pipeMode)), \(instances), \(outSize), \(inSize), \(wait))") {
                if wide, let name {
                    let units = Array(name.utf16) + [0]
                    created = units.withUnsafeBufferPointer {
                        CreateNamedPipeW($0.baseAddress, openMode, pipeMode, instances, outSize, inSize, wait, nil)
                    }
                } else if wide {
                    created = CreateNamedPipeW(nil, openMode, pipeMode, instances, outSize, inSize, wait, nil)
                } else {
                    created = CreateNamedPipeA(name, openMode, pipeMode, instances, outSize, inSize, wait, nil)
                }
                return created == INVALID_HANDLE_VALUE
            }
            add(created, to: &pipes)
        case 4:
            let target = handle(pipes), ov = overlapped()
            call("ConnectNamedPipe(\(h(target)), \(ov.map { "\($0)" } ?? "NULL"))") { !ConnectNamedPipe(target, ov) }
        case 5:
            let target = handle(pipes)
            call("DisconnectNamedPipe(\(h(target)))") { !DisconnectNamedPipe(target) }
        case 6:
            let target = handle(pipes)
            let (buf, len) = buffer()
            let a = dword(), b = dword(), c = dword()
            call("PeekNamedPipe(\(h(target)), \(buf == nil ? "NULL" : "buf"), \(len), \(a == nil), \(b == nil), \(c == nil))") {
                !PeekNamedPipe(target, buf, len, a, b, c)
            }
        case 7:
            let target = handle(pipes)
            let mode = dword()
            let modeValue: DWORD = pick([0, 2, 1, 3, 4, 6, 0xFFFF_FFFF, 0x8000_0000])
            mode?.pointee = modeValue
            let collection = dword(), timeoutSlot = dword()
            call("SetNamedPipeHandleState(\(h(target)), \(mode == nil ? "NULL" : x(modeValue)), \(collection == nil), \(timeoutSlot == nil))") {
                !SetNamedPipeHandleState(target, mode, collection, timeoutSlot)
            }
        case 8:
            let readSlot = chance(85) ? handleSlots : nil
            let writeSlot = chance(85) ? handleSlots + 1 : nil
            let pipeSize = size()
            var ok = false
            call("CreatePipe(\(readSlot == nil ? "NULL" : "&r"), \(writeSlot == nil ? "NULL" : "&w"), nil, \(pipeSize))") {
                ok = CreatePipe(readSlot, writeSlot, nil, pipeSize)
                return !ok
            }
            if ok {
                add(handleSlots[0], to: &pipes)
                add(handleSlots[1], to: &pipes)
            }
        case 9, 10, 11:
            let target = handle(chance(50) ? pipes : files)
            let (buf, len) = buffer()
            let n = dword(), ov = overlapped()
            call("ReadFile(\(h(target)), \(buf == nil ? "NULL" : "buf"), \(len), \(n == nil ? "NULL" : "&n"), \(ov.map { "\($0)" } ?? "NULL"))") {
                !ReadFile(target, buf, len, n, ov)
            }
        case 12, 13, 14:
            let target = handle(chance(50) ? pipes : files)
            let (buf, len) = buffer()
            let n = dword(), ov = overlapped()
            call("WriteFile(\(h(target)), \(buf == nil ? "NULL" : "buf"), \(len), \(n == nil ? "NULL" : "&n"), \(ov.map { "\($0)" } ?? "NULL"))") {
                !WriteFile(target, buf, len, n, ov)
            }
        case 15:
            let target = handle(chance(50) ? pipes : files)
            let (buf, len) = buffer()
            let ov = overlapped()
            let routine = chance(90) ? fuzzCompletionRoutine : nil
            let write = chance(40)
            call("\(write ? "WriteFileEx" : "ReadFileEx")(\(h(target)), \(buf == nil ? "NULL" : "buf"), \(len), \(ov.map { "\($0)" } ?? "NULL"), \(routine == nil ? "NULL" : "routine"))") {
                write ? !WriteFileEx(target, buf, len, ov, routine) : !ReadFileEx(target, buf, len, ov, routine)
            }
        case 16:
            let target = handle(chance(50) ? pipes : files)
            let ov: LPOVERLAPPED? = chance(15) ? LPOVERLAPPED(bitPattern: 0x1000) : overlapped()
            call("CancelIoEx(\(h(target)), \(ov.map { "\($0)" } ?? "NULL"))") { !CancelIoEx(target, ov) }
        case 17:
            let target = anyHandle()
            call("CancelIo(\(h(target)))") { !CancelIo(target) }
        case 18, 19:
            let target = handle(chance(50) ? pipes : files)
            let ov = overlapped(allowNil: chance(10))
            let n = dword()
            let ex = chance(40)
            let wait = chance(30)
            let ms = timeout(), alertable = chance(50)
            call("GetOverlappedResult\(ex ? "Ex" : "")(\(h(target)), \(ov.map { "\($0)" } ?? "NULL"), \(n == nil ? "NULL" : "&n"), \(ex ? "\(ms), \(alertable)" : "\(wait)"))") {
                ex ? !GetOverlappedResultEx(target, ov, n, ms, alertable) : !GetOverlappedResult(target, ov, n, wait)
            }
        case 21:
            // Good objects, so that bad calls also meet connected pipes, bound files and open disk files.
            let name = pick(["fuzz", "Fuzz2", "good\(int(4))"])
            let overlappedIO = chance(60)
            call("good objects \(name) \(overlappedIO)") {
                add(createPipeServer(name, overlapped: overlappedIO, message: chance(30), instances: 255), to: &pipes)
                add(openPipeClient(name, overlapped: chance(60)), to: &pipes)
                let file = CreateFileA(pick([#"C:\x\y.txt"#, #"C:\x\z.txt"#, "w.bin"]), GENERIC_READ | DWORD(GENERIC_WRITE), 7, nil,
                                       DWORD(OPEN_ALWAYS), overlappedIO ? DWORD(FILE_FLAG_OVERLAPPED) : 0, nil)
                add(file, to: &files)
                if chance(50), !ports.isEmpty { _ = CreateIoCompletionPort(file, pick(ports), 9, 0) }
                return nil
            }
        case 20:
            let target: HANDLE? = chance(30) ? (all.isEmpty ? nil : pick(all)) : anyHandle()
            call("CloseHandle(\(h(target)))") { !CloseHandle(target) }
            if let target { closed.append(target) }
        case 22:
            let sourceProcess: HANDLE? = chance(85) ? GetCurrentProcess() : anyHandle()
            let targetProcess: HANDLE? = chance(85) ? GetCurrentProcess() : anyHandle()
            let source: HANDLE? = chance(15) ? GetCurrentThread() : anyHandle()
            let slot = chance(85) ? handleSlots + 2 : nil
            slot?.pointee = nil
            let options: DWORD = pick([0, 1, 2, 3, 0xFFFF_FFFF])
            call("DuplicateHandle(\(h(sourceProcess)), \(h(source)), \(h(targetProcess)), \(slot == nil ? "NULL" : "&t"), 0, false, \(options))") {
                !DuplicateHandle(sourceProcess, source, targetProcess, slot, pick([0, 0xFFFF_FFFF]), false, options)
            }
            if let duplicate = slot?.pointee { add(duplicate, to: &files) }
        case 23, 24:
            let file: HANDLE? = chance(30) ? INVALID_HANDLE_VALUE : handle(chance(50) ? pipes : files)
            let existing: HANDLE? = chance(40) ? nil : handle(ports)
            let key = ULONG_PTR(pick([0, 1, UInt64.max, 0xDEAD]))
            let concurrency: DWORD = pick([0, 1, UInt32.max, 0x8000_0000])
            var port: HANDLE?
            call("CreateIoCompletionPort(\(h(file)), \(h(existing)), \(x(key)), \(concurrency))") {
                port = CreateIoCompletionPort(file, existing, key, concurrency)
                return port == nil
            }
            if existing == nil { add(port, to: &ports) }
        case 25, 26:
            let port = handle(ports)
            let n = dword(), key = chance(80) ? keySlot : nil, ov = chance(80) ? ovSlot : nil
            let ms = pick([0, 0, 0, 1, 10, INFINITE])
            call("GetQueuedCompletionStatus(\(h(port)), \(n == nil), \(key == nil), \(ov == nil), \(ms))") {
                !GetQueuedCompletionStatus(port, n, key, ov, ms)
            }
        case 27:
            let port = handle(ports)
            let useEntries = chance(85)
            let count: ULONG = useEntries ? pick([0, 1, 2, ULONG(Self.entryCount)]) : pick([0, 1, 16, UInt32.max])
            let removed = dword()
            let ms = pick([0, 0, 1, 10, INFINITE]), alertable = chance(50)
            call("GetQueuedCompletionStatusEx(\(h(port)), \(useEntries ? "entries" : "NULL"), \(count), \(removed == nil), \(ms), \(alertable))") {
                !GetQueuedCompletionStatusEx(port, useEntries ? entries : nil, count, removed, ms, alertable)
            }
        case 28, 29:
            let port = handle(ports)
            let bytes = size()
            let key = ULONG_PTR(pick([0, 1, UInt64.max]))
            let ov: LPOVERLAPPED? = chance(50) ? overlapped() : LPOVERLAPPED(bitPattern: pick([1, 0xDEAD_BEEF, UInt.max]))
            call("PostQueuedCompletionStatus(\(h(port)), \(bytes), \(x(key)), \(ov.map { "\($0)" } ?? "NULL"))") {
                !PostQueuedCompletionStatus(port, bytes, key, ov)
            }
        case 30:
            let target = handle(files)
            let distance: LONG = pick([0, 1, -1, LONG.min, LONG.max, 4096])
            let high: PLONG? = chance(50) ? longs : nil
            let highValue: LONG = pick([0, -1, LONG.min, LONG.max, 1])
            high?.pointee = highValue
            let method: DWORD = pick([0, 1, 2, 3, UInt32.max])
            call("SetFilePointer(\(h(target)), \(distance), \(high == nil ? "NULL" : "\(highValue)"), \(method))") {
                // INVALID_SET_FILE_POINTER with no error is a valid position; not a failure.
                SetFilePointer(target, distance, high, method) == INVALID_SET_FILE_POINTER && GetLastError() != 0
            }
        case 31:
            let target = handle(files)
            var distance = LARGE_INTEGER()
            distance.QuadPart = pick([0, 1, -1, Int64.min, Int64.max, 0x7FFF_FFFF_FFFF_FFFF, 1 << 40, 0xFFFF_FFFF, 4096, -4096])
            let newPointer: PLARGE_INTEGER? = chance(70) ? largeInts : nil
            let method: DWORD = pick([0, 1, 2, 3, UInt32.max])
            call("SetFilePointerEx(\(h(target)), \(distance.QuadPart), \(newPointer == nil), \(method))") {
                !SetFilePointerEx(target, distance, newPointer, method)
            }
        case 32:
            let target = handle(files)
            let ex = chance(50)
            let high = dword()
            let sizeSlot: PLARGE_INTEGER? = chance(80) ? largeInts + 1 : nil
            call("GetFileSize\(ex ? "Ex" : "")(\(h(target)))") {
                ex ? !GetFileSizeEx(target, sizeSlot) : GetFileSize(target, high) == INVALID_FILE_SIZE
            }
        case 33:
            let target = handle(files)
            call("SetEndOfFile(\(h(target)))") { !SetEndOfFile(target) }
        case 34:
            let target = handle(chance(50) ? pipes : files)
            call("FlushFileBuffers(\(h(target)))") { !FlushFileBuffers(target) }
        case 35:
            let p = path()
            let wide = chance(50)
            call("DeleteFile\(wide ? "W" : "A")(\(p.map { String($0.prefix(60)).debugDescription } ?? "NULL"))") {
                if wide, let p {
                    let units = Array(p.utf16) + [0]
                    return units.withUnsafeBufferPointer { !DeleteFileW($0.baseAddress) }
                }
                return wide ? !DeleteFileW(nil) : !DeleteFileA(p)
            }
        case 36:
            let heap: HANDLE? = chance(75) ? GetProcessHeap() : anyHandle()
            let heapFlags = flags()
            let bytes: SIZE_T = chance(2) ? 1 << 30 : pick([0, 1, 16, 4096, 1 << 20, (1 << 30) + 1, SIZE_T.max, SIZE_T(Int.max), 0x8000_0000])
            var block: LPVOID?
            call("HeapAlloc(\(h(heap)), \(x(heapFlags)), \(bytes))") {
                block = HeapAlloc(heap, heapFlags, bytes)
                return block == nil
            }
            // Huge blocks are not used as buffers (only lengths up to 64 KiB are picked anyway).
            if let block, heapBlocks.count < 200 { heapBlocks.append((block, Int(min(bytes, 1 << 16)))) }
        case 37:
            let heap: HANDLE? = chance(80) ? GetProcessHeap() : anyHandle()
            let pointer: LPVOID? =
                switch int(6) {
                case 0: nil
                case 1: big
                case 2: heapBlocks.isEmpty ? nil : pick(heapBlocks).0 + 1
                case 3: LPVOID(bitPattern: pick([1, 0xDEAD_BEEF, UInt.max & ~7]))
                default: heapBlocks.isEmpty ? nil : pick(heapBlocks).0
                }
            call("HeapFree(\(h(heap)), \(pointer.map { "\($0)" } ?? "NULL"))") { !HeapFree(heap, flags(), pointer) }
        case 38:
            let target = handle(threads)
            let code: DWORD = pick([0, 1, 259, UInt32.max])
            call("TerminateThread(\(h(target)), \(code))") { !TerminateThread(target, code) }
        case 39:
            let target = handle(threads)
            let code = dword()
            call("GetExitCodeThread(\(h(target)), \(code == nil ? "NULL" : "&c"))") { !GetExitCodeThread(target, code) }
        case 40:
            let id: DWORD = chance(50) ? DWORD(4 * int(40)) : pick([0, 1, 4, GetCurrentThreadId(), UInt32.max, 0x1234])
            let access: DWORD = pick([0, 0x1F_FFFF, UInt32.max])
            var opened: HANDLE?
            call("OpenThread(\(x(access)), \(id))") {
                opened = OpenThread(access, chance(50), id)
                return opened == nil
            }
            add(opened, to: &threads)
        case 41:
            let target: HANDLE? = chance(40) ? GetCurrentProcess() : anyHandle()
            let code = dword()
            call("GetExitCodeProcess(\(h(target)), \(code == nil ? "NULL" : "&c"))") { !GetExitCodeProcess(target, code) }
        case 42:
            // A few threads to terminate, query and open.
            guard threads.count < 30 else { return }
            let kind = int(4)
            let gate = events.isEmpty ? nil : pick(events)
            var created: HANDLE?
            call("CreateThread(kind \(kind))") {
                let box: () -> DWORD =
                    switch kind {
                    case 0: { 7 }
                    case 1: {
                        for _ in 0..<3 { _ = SleepEx(5, true) }
                        return 8
                    }
                    case 2: { WaitForSingleObject(gate, INFINITE) }
                    default: { SleepEx(INFINITE, true) }
                    }
                created = spawn(box)
                return created == nil
            }
            add(created, to: &threads)
        case 43:
            let manual = chance(50)
            var event: HANDLE?
            call("CreateEventW(\(manual))") {
                event = CreateEventW(nil, manual, chance(30), nil)
                return event == nil
            }
            add(event, to: &events)
        case 44:
            let target = handle(chance(50) ? events : threads)
            switch int(5) {
            case 0: call("SetEvent(\(h(target)))") { !SetEvent(target) }
            case 1: call("ResetEvent(\(h(target)))") { !ResetEvent(target) }
            case 2:
                let ms: DWORD = pick([0, 0, 1, 10])
                call("WaitForSingleObject(\(h(target)), \(ms))") { WaitForSingleObject(target, ms) == WAIT_FAILED }
            case 3:
                let data = ULONG_PTR(pick([0, UInt64.max]))
                call("QueueUserAPC(\(h(target)), \(data))") { QueueUserAPC(fuzzAPC, target, data) == 0 }
            default:
                call("CancelSynchronousIo(\(h(target)))") { !CancelSynchronousIo(target) }
            }
        default:
            switch int(3) {
            case 0:
                let ms: DWORD = pick([0, 1, 10, 100])
                call("SleepEx(\(ms), true)") {
                    _ = SleepEx(ms, true)
                    return nil
                }
            case 1:
                let target = handle(chance(50) ? pipes : files)
                let modes = UCHAR(pick([0, 1, 2, 3, 0xFF]))
                call("SetFileCompletionNotificationModes(\(h(target)), \(modes))") { !SetFileCompletionNotificationModes(target, modes) }
            default:
                let target = anyHandle()
                call("WaitForSingleObjectEx(\(h(target)), 0, true)") { WaitForSingleObjectEx(target, 0, true) == WAIT_FAILED }
            }
        }
    }
}

/// The quality bar "bad input never crashes the simulator" (DESIGN.md, "Principles"), for the
/// named-pipe, disk-file, heap and thread surface: a deterministic, seeded sequence of calls
/// with nasty arguments. It asserts only that nothing traps (the process survives) and that
/// every call that failed set a non-zero last error.
///
/// Environment: `FUZZ_SEED`, `FUZZ_STEPS` (per seed), `FUZZ_LOG=1` (each call on stderr before it
/// is made, to find the one that traps).
final class BadInputFuzzTests: XCTestCase {
    func testSeededBadCallsNeverCrashTheSimulator() {
        let environment = ProcessInfo.processInfo.environment
        var seeds: [UInt64] = environment["FUZZ_SEED"].flatMap { UInt64($0) }.map { [$0] } ?? [1, 0xC0FFEE]
        if let range = environment["FUZZ_SEEDS"]?.split(separator: "-").compactMap({ UInt64($0) }), range.count == 2 {
            seeds = Array(range[0]...range[1])
        }
        let steps = environment["FUZZ_STEPS"].flatMap { Int($0) } ?? 2000
        let log = environment["FUZZ_LOG"] == "1"
        for seed in seeds {
            for tracing in [false, true] where seed % 2 == 0 || !tracing || seeds.count == 1 {
                run(seed: seed, steps: steps, tracing: tracing, log: log)
            }
        }
    }

    private func run(seed: UInt64, steps: Int, tracing: Bool, log: Bool) {
        let sim = Simulation(options: SimulationOptions(tracing: tracing))
        sim.installDevice(#"\\.\good"#, driver: StockDriver(completion: .immediate))
        sim.fileSystem.setContents(Array("seeded contents".utf8), of: #"C:\x\y.txt"#)
        let memory = scenarioMemory()
        var world: FuzzWorld?
        sim.run {
            let w = FuzzWorld(seed: seed, memory: memory, log: log)
            world = w
            if log { FileHandle.standardError.write(Data("FUZZ seed \(seed) tracing \(tracing)\n".utf8)) }
            // A few good objects to start with.
            w.add(manualEvent(), to: &w.events)
            w.add(CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0), to: &w.ports)
            w.add(openDevice(#"\\.\good"#), to: &w.files)
            w.add(CreateFileA(#"C:\x\y.txt"#, GENERIC_READ | DWORD(GENERIC_WRITE), 7, nil, DWORD(OPEN_ALWAYS), 0, nil), to: &w.files)
            w.add(CreateFileA(#"C:\x\y.txt"#, GENERIC_READ | DWORD(GENERIC_WRITE), 7, nil, DWORD(OPEN_ALWAYS),
                              DWORD(FILE_FLAG_OVERLAPPED), nil), to: &w.files)
            w.add(createPipeServer("fuzz", instances: 255), to: &w.pipes)
            w.add(createPipeServer("fuzz", overlapped: false, instances: 255), to: &w.pipes)
            w.add(openPipeClient("fuzz"), to: &w.pipes)
            w.add(spawn { 5 }, to: &w.threads)
            w.add(spawn { SleepEx(INFINITE, true) }, to: &w.threads)
            for _ in 0..<steps { w.step() }
            _ = SleepEx(0, true)
        }
        let report = sim.finish()
        let violations = sim.takeMemoryViolations()
        guard let w = world else { return XCTFail("no world") }
        print("FUZZ seed \(seed) tracing \(tracing): \(w.calls) calls, \(w.failures) failed, hangs \(sim.hangs.count), "
            + "bug checks \(sim.bugChecks.count), memory violations \(violations.count) "
            + "(\(Set(violations.map(\.kind.rawValue)).sorted())), irps in flight \(report.irpsInFlight.count), "
            + "routines \(fuzzRoutineRuns), APCs \(fuzzAPCRuns)")
        if ProcessInfo.processInfo.environment["FUZZ_TALLY"] == "1" {
            print(w.tally.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.1)/\($0.value.0)" }.joined(separator: ", "))
        }
        XCTAssertEqual(w.failuresWithoutError, [], "seed \(seed): calls that failed without setting the last error")
    }
}
