import IOKernel
import Win32Surface

/// The body of each operation. Arguments are drawn from what the world holds, valid or not:
/// closed and garbage handles, freed and reused `OVERLAPPED`s, buffers shorter than the
/// length given, NULLs.
extension World {
    func perform(_ operation: VOPROperation) {
        switch operation {
        case .openDevice:
            let path = random.pick([#"\\.\manual"#, #"\\.\timed"#, #"\\.\fast"#, #"\\.\stubborn"#, #"\\.\missing"#])
            let flags = random.chance(80) ? DWORD(FILE_FLAG_OVERLAPPED) : 0
            add(CreateFileA(path, GENERIC_READ | DWORD(GENERIC_WRITE), 0, nil, DWORD(OPEN_EXISTING), flags, nil), synchronous: flags == 0)
        case .createPipe:
            pipeSerial += 1
            let name = #"\\.\pipe\vopr"# + String(pipeSerial % 4)
            let mode = random.chance(50) ? DWORD(PIPE_TYPE_MESSAGE | PIPE_READMODE_MESSAGE) : DWORD(PIPE_TYPE_BYTE)
            let server = CreateNamedPipeA(name, DWORD(PIPE_ACCESS_DUPLEX) | DWORD(FILE_FLAG_OVERLAPPED), mode, 4, 256, 256, 0, nil)
            add(server)
            add(CreateFileA(name, GENERIC_READ | DWORD(GENERIC_WRITE), 0, nil, DWORD(OPEN_EXISTING), DWORD(FILE_FLAG_OVERLAPPED), nil))
        case .openDiskFile:
            let path = "C:\\vopr\\" + String(random.below(4)) + ".dat"
            let flags = random.chance(70) ? DWORD(FILE_FLAG_OVERLAPPED) : 0
            add(CreateFileA(path, GENERIC_READ | DWORD(GENERIC_WRITE), DWORD(FILE_SHARE_READ | FILE_SHARE_WRITE), nil,
                            DWORD(OPEN_ALWAYS), flags, nil), synchronous: flags == 0)
        case .createEvent:
            let event = CreateEventW(nil, random.chance(70), false, nil)
            events.append(event)
            add(event)
        case .createPort:
            let port = CreateIoCompletionPort(INVALID_HANDLE_VALUE, nil, 0, 0)
            ports.append(port)
            add(port)
        case .associatePort:
            // A file with no request in flight only: a request issued before the binding posts
            // a packet if it completes after it (the port is looked up at completion, as
            // IopCompleteRequest does), which the model does not count.
            guard let handle = handles.last ?? nil, !ports.isEmpty, sim.fileObject(handle)?.liveIRPCount == 0 else { return }
            if CreateIoCompletionPort(handle, random.pick(ports), 7, 0) != nil { portBound.insert(UInt(bitPattern: handle)) }
        case .read, .write:
            let handle = anyHandle()
            let ov = anyOverlapped()
            let (buffer, length) = anyBuffer()
            if let ov, !freed.contains(UInt(bitPattern: ov)), random.chance(50) {
                ov.pointee.hEvent = events.isEmpty ? nil : random.pick(events)
            }
            var done: DWORD = 0
            let ok = operation == .read ? ReadFile(handle, buffer, length, &done, ov) : WriteFile(handle, buffer, length, &done, ov)
            // A warning (a message longer than the buffer: FALSE, ERROR_MORE_DATA) is not an
            // error: its packet is queued like a success's.
            let error = GetLastError()
            expectPacket(handle, ov, succeededOrPending: ok || error == DWORD(ERROR_IO_PENDING) || error == DWORD(ERROR_MORE_DATA))
        case .readEx, .writeEx:
            let handle = anyHandle()
            guard let ov = anyOverlapped() else { return }
            let (buffer, length) = anyBuffer()
            let ok = operation == .readEx ? ReadFileEx(handle, buffer, length, ov, completionRoutine)
                : WriteFileEx(handle, buffer, length, ov, completionRoutine)
            if ok || synchronous.contains(UInt(bitPattern: handle)) { expectedRoutines[UInt(bitPattern: ov), default: 0] += 1 }
        case .peek:
            let (buffer, length) = anyBuffer()
            var read: DWORD = 0
            var available: DWORD = 0
            _ = PeekNamedPipe(anyHandle(), buffer, length, &read, &available, nil)
        case .overlappedResult:
            guard let ov = anyOverlapped(), !freed.contains(UInt(bitPattern: ov)) else { return }
            var done: DWORD = 0
            _ = GetOverlappedResultEx(anyHandle(), ov, &done, DWORD(random.below(3) * 5), random.chance(50))
        case .cancelIo:
            _ = CancelIo(anyHandle())
        case .cancelIoEx:
            _ = CancelIoEx(anyHandle(), anyOverlapped())
        case .close:
            let handle = anyHandle()
            _ = CloseHandle(handle)
        case .duplicate:
            var copy: HANDLE?
            let source = anyHandle()
            if DuplicateHandle(GetCurrentProcess(), source, GetCurrentProcess(), &copy, 0, false, DWORD(DUPLICATE_SAME_ACCESS)) {
                add(copy, synchronous: synchronous.contains(UInt(bitPattern: source)))
            }
        case .dequeue:
            guard !ports.isEmpty else { return }
            var bytes: DWORD = 0
            var key: ULONG_PTR = 0
            var ov: LPOVERLAPPED?
            if GetQueuedCompletionStatus(random.pick(ports), &bytes, &key, &ov, DWORD(random.below(2) * 10)) || ov != nil {
                if key != 0x9057 { delivered(UnsafeMutableRawPointer(ov), "completion packet", from: &expectedPackets, operation) }
            }
        case .post:
            guard !ports.isEmpty else { return }
            _ = PostQueuedCompletionStatus(random.pick(ports), 1, 0x9057, nil)
        case .sleepAlertable:
            _ = SleepEx(DWORD(random.pick([0, 0, 1, 10, 100, 1000])), random.chance(70))
        case .queueAPC:
            _ = QueueUserAPC(apcRoutine, random.chance(80) ? GetCurrentThread() : anyHandle(), 5)
        case .setEvent:
            if !events.isEmpty { _ = SetEvent(random.pick(events)) }
        case .completeDevice:
            guard !manualDevices.isEmpty else { return }
            let device = random.pick(manualDevices)
            _ = device.completeNext(status: random.chance(80) ? .success : .cancelled)
        case .heapAlloc:
            if random.chance(50) {
                guard let block = HeapAlloc(GetProcessHeap(), 0, SIZE_T(MemoryLayout<OVERLAPPED>.size)) else { return }
                allocated(block, MemoryLayout<OVERLAPPED>.size)
                overlappeds.append(block.bindMemory(to: OVERLAPPED.self, capacity: 1))
                if overlappeds.count > 24 { overlappeds.removeFirst() }
            } else {
                let size = random.pick([1, 8, 16, 64, 512, 4096, 70_000])
                guard let block = HeapAlloc(GetProcessHeap(), 0, SIZE_T(size)) else { return }
                allocated(block, size)
                buffers.append((block, size))
                if buffers.count > 24 { buffers.removeFirst() }
            }
        case .heapFree:
            // Freed blocks stay in the pools: later steps use them, as a buggy program would.
            let pointer: UnsafeMutableRawPointer? = random.chance(50)
                ? (overlappeds.isEmpty ? nil : UnsafeMutableRawPointer(random.pick(overlappeds)))
                : (buffers.isEmpty ? nil : random.pick(buffers).pointer)
            guard let pointer else { return }
            if HeapFree(GetProcessHeap(), 0, pointer) { freed.insert(UInt(bitPattern: pointer)) }
        case .spawnWorker:
            guard workers.count < 6 else { return }
            let worker = CreateThread(nil, 0, workerMain, nil, 0, nil)
            workers.append(worker)
            add(worker)
        case .waitWorker:
            guard !workers.isEmpty else { return }
            _ = WaitForSingleObject(random.pick(workers), DWORD(random.pick([0, 10, 1000])))
        case .spawnChild:
            spawnChild()
        case .terminateChild:
            guard !children.isEmpty else { return }
            _ = TerminateProcess(random.pick(children), UINT(random.below(4)))
        case .waitChild:
            guard !children.isEmpty else { return }
            let child = random.pick(children)
            _ = WaitForSingleObject(child, DWORD(random.pick([0, 10, 1000])))
            var code: DWORD = 0
            _ = GetExitCodeProcess(child, &code)
        }
    }

    /// Starts `C:\vopr\child.exe` with any handle of the pool as its standard output, inheriting
    /// the parent's inheritable handles or not; its command line says what it does (see
    /// ``installChildProgram(in:)``). Its process handle joins the pool, so that other steps
    /// close, duplicate and wait on it; its thread handle is closed.
    func spawnChild() {
        guard children.count < 8 else { return }
        let action = random.pick(["write \(random.below(300))", "exit \(random.below(3))", "wait"])
        var startup = STARTUPINFOW()
        startup.cb = DWORD(MemoryLayout<STARTUPINFOW>.size)
        startup.dwFlags = DWORD(STARTF_USESTDHANDLES)
        startup.hStdOutput = anyHandle()
        var information = PROCESS_INFORMATION()
        var line = Array((#"C:\vopr\child.exe "# + action).utf16) + [0]
        guard CreateProcessW(nil, &line, nil, nil, random.chance(50), 0, nil, nil, &startup, &information) else { return }
        _ = CloseHandle(information.hThread)
        children.append(information.hProcess)
        add(information.hProcess)
    }

    /// Keeps a new handle (or the failure's NULL/INVALID_HANDLE_VALUE, which the workload
    /// also uses); a closed handle stays, so that later steps use it stale.
    func add(_ handle: HANDLE?, synchronous isSynchronous: Bool = false) {
        // A value is reused once closed: what it names now decides.
        if isSynchronous { synchronous.insert(UInt(bitPattern: handle)) } else { synchronous.remove(UInt(bitPattern: handle)) }
        portBound.remove(UInt(bitPattern: handle))
        handles.append(handle)
        if handles.count > 48 { handles.remove(at: 4) }
    }
}

/// A ReadFileEx/WriteFileEx completion routine: one delivery per request that returned TRUE.
private let completionRoutine: LPOVERLAPPED_COMPLETION_ROUTINE = { _, _, ov in
    withCurrentWorld { world in
        world.delivered(UnsafeMutableRawPointer(ov), "completion routine", from: &world.expectedRoutines, .readEx)
    }
}

private let apcRoutine: PAPCFUNC = { _ in }

/// A worker thread: a few steps of its own (no alertable I/O), then it returns.
private let workerMain: LPTHREAD_START_ROUTINE = { _ in
    withCurrentWorld { world in world.run(onWorker: true, steps: 1 + world.random.below(8)) }
    return 0
}

/// The child program: `write N` writes N bytes to its standard output (whatever handle it was
/// given: a pipe end, a device, a disk file, a stale value), `exit C` returns C at once, `wait`
/// waits on an event nobody sets, until it is terminated or the wait is found to be a hang.
func installChildProgram(in sim: Simulation) {
    sim.installProgram(#"C:\vopr\child.exe"#) {
        // The command is read into plain values before any call that may block: the child may
        // be terminated there, or still waiting when its episode ends, and what its own frames
        // hold then stays allocated (as on Windows). Its data is in its process heap, which
        // goes with the process.
        switch childCommand() {
        case .write(let count):
            let data = HeapAlloc(GetProcessHeap(), 0, SIZE_T(max(count, 1)))
            data?.initializeMemory(as: UInt8.self, repeating: 0x43, count: max(count, 1))
            var written: DWORD = 0
            let ok = WriteFile(GetStdHandle(STD_OUTPUT_HANDLE), data, DWORD(count), &written, nil)
            let error = ok ? 0 : GetLastError()
            _ = HeapFree(GetProcessHeap(), 0, data)
            return error
        case .exit(let code):
            return code
        case .wait:
            let never = CreateEventW(nil, true, false, nil)
            return WaitForSingleObject(never, INFINITE)
        case .unreadable:
            return 99
        }
    }
}

/// What the child was asked to do on its command line.
private enum ChildCommand {
    case write(Int)
    case exit(UInt32)
    case wait
    case unreadable
}

private func childCommand() -> ChildCommand {
    guard let line = GetCommandLineW() else { return .unreadable }
    let words = callerLine(line).split(separator: " ")
    switch words.count > 1 ? words[1] : "" {
    case "write": return .write(words.count > 2 ? Int(words[2]) ?? 0 : 0)
    case "exit": return .exit(words.count > 2 ? UInt32(words[2]) ?? 0 : 0)
    default: return .wait
    }
}

/// The child's command line as a string.
private func callerLine(_ line: LPWSTR) -> String {
    var length = 0
    while line[length] != 0 { length += 1 }
    return String(decoding: UnsafeBufferPointer(start: line, count: length), as: UTF16.self)
}
