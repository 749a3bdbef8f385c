import IOKernel
import IOSimXCTest
import WinSDK
import XCTest

private final class Calls {
    var lines: [String] = []
    var event: HANDLE?
    var waitHandle: HANDLE?
}

private func calls(_ context: PVOID?) -> Calls { Unmanaged<Calls>.fromOpaque(context!).takeUnretainedValue() }

/// Records the callback and signals the context's event (Wine's signaled_function and
/// timeout_function).
private let record: WAITORTIMERCALLBACK = { context, timerOrWaitFired in
    let log = calls(context)
    log.lines.append("\(GetTickCount64()) ms: callback, timed out: \(timerOrWaitFired != 0)")
    SetEvent(log.event)
}

/// Waits in the callback until the context's event is set (Wine's wait_complete_function).
private let waitInCallback: WAITORTIMERCALLBACK = { context, _ in
    let log = calls(context)
    log.lines.append("\(GetTickCount64()) ms: callback waits")
    WaitForSingleObject(log.event, INFINITE)
    log.lines.append("\(GetTickCount64()) ms: callback returns")
}

/// Unregisters its own wait from the callback (Wine's unregister_function).
private let unregisterItself: WAITORTIMERCALLBACK = { context, _ in
    let log = calls(context)
    log.lines.append("UnregisterWait from the callback: \(UnregisterWait(log.waitHandle))")
}

/// RegisterWaitForSingleObject and UnregisterWait(Ex), with the results of Wine's
/// test_RegisterWaitForSingleObject (dlls/kernel32/tests/thread.c) and the callback's timing
/// on the virtual clock.
final class RegisteredWaitTests: XCTestCase {
    func testSignalledTimedOutAndCancelledWaits() {
        let sim = checkedSimulation()
        let log = Calls()
        sim.run {
            let context = Unmanaged.passUnretained(log).toOpaque()
            let handle = CreateEventW(nil, true, false, nil)
            log.event = CreateEventW(nil, false, false, nil)
            var wait: HANDLE?

            // Signalled 30 ms later: the callback runs then, told it did not time out.
            XCTAssertTrue(RegisterWaitForSingleObject(&wait, handle, record, context, INFINITE, ULONG(WT_EXECUTEONLYONCE)))
            XCTAssertNotNil(wait)
            Sleep(30)
            SetEvent(handle)
            XCTAssertEqual(WaitForSingleObject(log.event, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(UnregisterWait(wait))

            // Cancelled before anything happens: the callback never runs.
            ResetEvent(handle)
            XCTAssertTrue(RegisterWaitForSingleObject(&wait, handle, record, context, INFINITE, ULONG(WT_EXECUTEONLYONCE)))
            XCTAssertTrue(UnregisterWait(wait))
            SetLastError(0xdeadbeef)
            XCTAssertFalse(UnregisterWait(wait), "the wait handle is gone")
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))

            // A timeout on the virtual clock: the callback runs 100 ms later, told it timed out.
            XCTAssertTrue(RegisterWaitForSingleObject(&wait, handle, record, context, 100,
                                                      ULONG(WT_EXECUTEONLYONCE | WT_EXECUTELONGFUNCTION)))
            XCTAssertEqual(WaitForSingleObject(log.event, INFINITE), WAIT_OBJECT_0)
            XCTAssertTrue(UnregisterWait(wait))

            SetLastError(0xdeadbeef)
            XCTAssertFalse(UnregisterWait(nil))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            XCTAssertFalse(RegisterWaitForSingleObject(&wait, HANDLE(bitPattern: 0x7770), record, context, INFINITE, 0))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_INVALID_HANDLE))
            CloseHandle(handle)
            CloseHandle(log.event)
        }
        XCTAssertEqual(log.lines, ["30 ms: callback, timed out: false", "130 ms: callback, timed out: true"])
    }

    /// Without WT_EXECUTEONLYONCE the pool waits again after each callback, and the timeout
    /// restarts: an auto-reset event signalled twice calls back twice; then every 50 ms, until
    /// the wait is unregistered at 105 ms.
    func testARepeatingWaitCallsBackUntilUnregistered() {
        let sim = checkedSimulation()
        let log = Calls()
        sim.run {
            let context = Unmanaged.passUnretained(log).toOpaque()
            let handle = CreateEventW(nil, false, false, nil)
            log.event = CreateEventW(nil, false, false, nil)
            var wait: HANDLE?
            XCTAssertTrue(RegisterWaitForSingleObject(&wait, handle, record, context, 50, ULONG(WT_EXECUTEDEFAULT)))
            Sleep(10)
            SetEvent(handle)
            Sleep(10)
            SetEvent(handle)
            Sleep(85)
            XCTAssertTrue(UnregisterWaitEx(wait, INVALID_HANDLE_VALUE))
            Sleep(100)
            CloseHandle(handle)
            CloseHandle(log.event)
        }
        XCTAssertEqual(log.lines, [
            "10 ms: callback, timed out: false", "20 ms: callback, timed out: false",
            "70 ms: callback, timed out: true",
        ])
    }

    /// Unregistering while the callback runs on the pool thread: UnregisterWait fails with
    /// ERROR_IO_PENDING and returns at once; UnregisterWaitEx with INVALID_HANDLE_VALUE waits
    /// for the callback; with an event, the event is signalled when it returns. From the
    /// callback itself, UnregisterWait succeeds.
    func testUnregisteringWhileTheCallbackRuns() {
        let sim = checkedSimulation()
        let log = Calls()
        sim.run {
            let context = Unmanaged.passUnretained(log).toOpaque()
            let handle = CreateEventW(nil, true, true, nil)
            log.event = CreateEventW(nil, false, false, nil)
            var wait: HANDLE?

            XCTAssertTrue(RegisterWaitForSingleObject(&wait, handle, waitInCallback, context, INFINITE, ULONG(WT_EXECUTEONLYONCE)))
            Sleep(50)   // the callback starts and waits
            XCTAssertFalse(UnregisterWait(wait))
            XCTAssertEqual(GetLastError(), DWORD(ERROR_IO_PENDING))
            SetEvent(log.event)
            Sleep(50)

            XCTAssertTrue(RegisterWaitForSingleObject(&wait, handle, waitInCallback, context, INFINITE, ULONG(WT_EXECUTEONLYONCE)))
            Sleep(50)
            let releaser = startThread {
                Sleep(25)
                SetEvent(log.event)
                return 0
            }
            XCTAssertTrue(UnregisterWaitEx(wait, INVALID_HANDLE_VALUE))
            log.lines.append("\(GetTickCount64()) ms: UnregisterWaitEx returns")
            WaitForSingleObject(releaser, INFINITE)
            CloseHandle(releaser)

            let done = CreateEventW(nil, true, false, nil)
            XCTAssertTrue(RegisterWaitForSingleObject(&wait, handle, waitInCallback, context, INFINITE, ULONG(WT_EXECUTEONLYONCE)))
            Sleep(50)
            XCTAssertTrue(UnregisterWaitEx(wait, done))
            XCTAssertEqual(WaitForSingleObject(done, 0), DWORD(WAIT_TIMEOUT))
            SetEvent(log.event)
            XCTAssertEqual(WaitForSingleObject(done, INFINITE), WAIT_OBJECT_0)
            CloseHandle(done)

            XCTAssertTrue(RegisterWaitForSingleObject(&log.waitHandle, handle, unregisterItself, context, INFINITE,
                                                      ULONG(WT_EXECUTEONLYONCE | WT_EXECUTEINWAITTHREAD)))
            Sleep(10)
            CloseHandle(handle)
            CloseHandle(log.event)
        }
        XCTAssertEqual(log.lines, [
            "0 ms: callback waits", "50 ms: callback returns",
            "100 ms: callback waits", "175 ms: callback returns", "175 ms: UnregisterWaitEx returns",
            "175 ms: callback waits", "225 ms: callback returns",
            "UnregisterWait from the callback: true",
        ])
    }

    /// swift-subprocess's waitForProcessTermination: a one-shot wait on a thread (here) or
    /// process handle, resuming whoever waits when it exits 40 ms later.
    func testWaitingForAThreadToExit() {
        let sim = checkedSimulation()
        let log = Calls()
        sim.run {
            let context = Unmanaged.passUnretained(log).toOpaque()
            log.event = CreateEventW(nil, false, false, nil)
            let child = startThread {
                Sleep(40)
                return 3
            }
            var wait: HANDLE?
            XCTAssertTrue(RegisterWaitForSingleObject(&wait, child, record, context, INFINITE,
                                                      ULONG(WT_EXECUTEONLYONCE | WT_EXECUTELONGFUNCTION)))
            WaitForSingleObject(log.event, INFINITE)
            XCTAssertTrue(UnregisterWait(wait))
            var code: DWORD = 0
            XCTAssertTrue(GetExitCodeThread(child, &code))
            XCTAssertEqual(code, 3)
            CloseHandle(child)
            CloseHandle(log.event)
        }
        XCTAssertEqual(log.lines, ["40 ms: callback, timed out: false"])
    }
}
