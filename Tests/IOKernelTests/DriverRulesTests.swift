import IOKernel
import XCTest

// These tests use only IOKernel. They issue I/O through the kernel's system services
// (`ntCreateFile`, `ntReadFile`, `ntCancelIoFileEx`…), which are `package` API: visible to the
// test targets of this package, and exactly what Win32Surface itself calls.

// MARK: - Harness

/// Caller memory that outlives the requests using it: 16-byte I/O status blocks (the first two
/// words of an `OVERLAPPED`) and buffers. Freed when the test ends.
private final class KernelMemory {
    private var blocks: [UnsafeMutableRawPointer] = []

    /// The pattern a status block holds until the kernel writes it (nt-io-model §2.5 writes it
    /// only at completion; win32-facts F-OVL-4 uses 0x55555555 the same way).
    static let untouched: UInt32 = 0x5555_5555

    func ioStatus() -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: 16, alignment: 8)
        block.initializeMemory(as: UInt8.self, repeating: 0x55, count: 16)
        blocks.append(block)
        return block
    }

    func buffer(_ count: Int) -> UnsafeMutableRawPointer {
        let block = UnsafeMutableRawPointer.allocate(byteCount: max(count, 1), alignment: 8)
        block.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
        blocks.append(block)
        return block
    }

    deinit { for block in blocks { block.deallocate() } }
}

/// The status (`Internal`) and information (`InternalHigh`) a status block holds.
private func ioStatus(_ block: UnsafeMutableRawPointer) -> (status: UInt32, information: UInt64) {
    (block.load(as: UInt32.self), block.load(fromByteOffset: 8, as: UInt64.self))
}

/// The kernel's system services, each called as a kernel entry of the running simulated thread
/// (so completion work queued to it runs before the call returns, as on the way back to user
/// mode). Use inside `Simulation.run`.
private struct SystemServices {
    let sim: Simulation
    var kernel: Kernel { sim.kernel }

    func open(_ path: String) -> UInt {
        let (status, handle) = kernel.withKernelEntry { kernel.ntCreateFile(path: path, access: 0xC000_0000, synchronous: false) }
        XCTAssertEqual(status, .success, "open \(path)")
        return handle
    }

    func read(_ handle: UInt, _ ioStatus: UnsafeMutableRawPointer, _ buffer: UnsafeMutableRawPointer?, _ length: Int,
              event: UInt? = nil) -> NTStatus
    {
        kernel.withKernelEntry {
            kernel.ntReadFile(handle: handle, event: event, ioStatus: ioStatus, buffer: buffer, length: length, byteOffset: 0)
        }
    }

    func cancel(_ handle: UInt, _ ioStatus: UnsafeMutableRawPointer?) -> NTStatus {
        kernel.withKernelEntry { kernel.ntCancelIoFileEx(handle: handle, ioStatus: ioStatus) }
    }

    func wait(_ handle: UInt, timeout: Duration?) -> NTStatus {
        kernel.withKernelEntry {
            kernel.ntWaitForMultipleObjects([handle], waitAll: false, alertable: false, timeout: timeout, allowPseudoHandles: false)
        }
    }

    func delayExecution(_ duration: Duration) {
        _ = kernel.withKernelEntry { kernel.ntDelayExecution(alertable: false, duration: duration) }
    }

    func fileObject(_ handle: UInt) -> FileObject? { kernel.object(forHandle: handle) as? FileObject }
}

/// A driver that holds its read requests in a ``CancelSafeQueue`` (or, when asked, marks them
/// pending and holds them outside any queue), and lets the test act as the device.
private final class QueueingDriver: Driver {
    let queue: CancelSafeQueue
    var holdsOutsideQueue = false
    private(set) var held: [IRP] = []
    private var context: DriverContext?

    init(_ queue: CancelSafeQueue = CancelSafeQueue()) { self.queue = queue }

    func installed(on device: Device, _ k: DriverContext) { context = k }

    func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        if holdsOutsideQueue {
            k.markPending(irp)
            held.append(irp)
        } else {
            queue.insert(irp, k)
        }
        return .pending
    }

    /// Runs `body` as the device acting on its own (a kernel call of the running thread).
    @discardableResult
    func device<R>(_ body: (DriverContext) -> R) -> R? {
        guard let k = context else { return nil }
        return k.deviceAction { body(k) }
    }

    /// The device context, for work done inside a kernel call the test already made.
    var k: DriverContext? { context }

    /// The requests it holds hold their file object, its device and so this driver: a cycle
    /// to break when the simulation goes.
    func simulationEnded() {
        held.removeAll()
        queue.releaseQueued()
    }
}

/// Marks the request pending, completes it with two bytes, and then returns success instead
/// of `STATUS_PENDING` (the *PendedCompletedRequest* rule).
private final class MarksPendingButReturnsSuccess: Driver {
    func dispatch(_ irp: IRP, _ k: DriverContext) -> NTStatus {
        k.markPending(irp)
        irp.systemBuffer = ArraySlice(Array("hi".utf8))
        k.complete(irp, status: .success, information: 2)
        return .success
    }
}

// MARK: - Tests

/// The rules a driver must follow for the IRP life cycle (nt-io-model §2.2, §2.3, §3, §8.1),
/// the cancel-safe queue that makes them easy to follow (§3.3), and the bug checks the kernel
/// raises when a driver breaks them, keeping the request consistent so that it still
/// completes exactly once. Also the kernel's value types: status severities, virtual time, and
/// the ordering of device events on the virtual clock.
final class DriverRulesTests: XCTestCase {
    private let path = #"\\.\dev"#

    private func memory() -> KernelMemory {
        let memory = KernelMemory()
        addTeardownBlock { withExtendedLifetime(memory) {} }
        return memory
    }

    // MARK: Cancel-safe queue

    /// nt-io-model §3.3 (`IoCsqInsertIrp`, `IoCsqRemoveNextIrp`), §2.2, F-OVL-4: inserting marks
    /// the IRP pending and arms the queue's cancel routine; dispatch returns `STATUS_PENDING`
    /// and the caller's status block is not written. `removeNext` hands out the oldest first and
    /// takes its cancel routine back, so the driver owns it and may complete it.
    func testInsertMarksPendingAndArmsCancelRoutineAndRemoveNextIsOldestFirst() {
        let sim = Simulation()
        let driver = QueueingDriver()
        sim.installDevice(path, driver: driver)
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let blocks = (0..<3).map { _ in memory.ioStatus() }
            for block in blocks {
                XCTAssertEqual(nt.read(h, block, memory.buffer(8), 8), .pending)
                XCTAssertEqual(ioStatus(block).status, KernelMemory.untouched, "F-OVL-4: a pending request writes no status")
            }
            let queued = driver.queue.queued
            XCTAssertEqual(queued.count, 3)
            XCTAssertEqual(queued.map(\.id), queued.map(\.id).sorted(), "oldest first")
            for irp in queued {
                XCTAssertTrue(irp.isMarkedPending)
                XCTAssertTrue(irp.pendingReturned)
                XCTAssertTrue(irp.isCancelRoutineArmed)
                XCTAssertEqual(irp.state, .pending)
            }

            let first = driver.device { k -> IRP? in
                guard let irp = driver.queue.removeNext(k) else { return nil }
                XCTAssertFalse(irp.isCancelRoutineArmed, "removeNext took the cancel routine back")
                k.complete(irp, status: .success, information: 0)
                return irp
            }
            XCTAssertTrue(first??.id == queued.first?.id)
            XCTAssertEqual(driver.queue.count, 2)
            XCTAssertEqual(ioStatus(blocks[0]).status, NTStatus.success.rawValue)
            XCTAssertEqual(ioStatus(blocks[1]).status, KernelMemory.untouched)
        }
        XCTAssertEqual(sim.bugChecks, [])
    }

    /// nt-io-model §3.1, §3.3, F-OVL-5: cancelling a queued request calls the queue's cancel
    /// routine, which removes it and completes it with `STATUS_CANCELLED` and 0 bytes at once;
    /// the other requests stay queued and uncancelled. A second cancel finds nothing: a
    /// completed IRP cannot be cancelled (invariant 4).
    func testCancelRoutineRemovesTheIRPAndCompletesItAsCancelled() {
        let sim = Simulation()
        let driver = QueueingDriver()
        sim.installDevice(path, driver: driver)
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let keep = memory.ioStatus()
            let victim = memory.ioStatus()
            XCTAssertEqual(nt.read(h, keep, memory.buffer(8), 8), .pending)
            XCTAssertEqual(nt.read(h, victim, memory.buffer(8), 8), .pending)
            guard driver.queue.count == 2, let kept = driver.queue.queued.first, let cancelled = driver.queue.queued.last else {
                return XCTFail("both reads should be queued")
            }

            XCTAssertEqual(nt.cancel(h, victim), .success)
            XCTAssertEqual(ioStatus(victim).status, NTStatus.cancelled.rawValue)
            XCTAssertEqual(ioStatus(victim).information, 0)
            XCTAssertTrue(cancelled.isCancelRequested)
            XCTAssertEqual(cancelled.state, .delivered)
            XCTAssertEqual(driver.queue.queued.map(\.id), [kept.id])
            XCTAssertFalse(kept.isCancelRequested)
            XCTAssertTrue(kept.isCancelRoutineArmed)
            XCTAssertEqual(ioStatus(keep).status, KernelMemory.untouched)

            XCTAssertEqual(nt.cancel(h, victim), .notFound)
        }
        XCTAssertEqual(sim.bugChecks, [])
    }

    /// nt-io-model §3.3: `removeNext(for:)` takes only the given file object's requests, oldest
    /// first, and leaves the others queued (what a driver does at `IRP_MJ_CLEANUP`).
    func testRemoveNextForAFileObjectTakesOnlyItsIRPs() {
        let sim = Simulation()
        let driver = QueueingDriver()
        sim.installDevice(path, driver: driver)
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let a = nt.open(path)
            let b = nt.open(path)
            guard let fileB = nt.fileObject(b), let fileA = nt.fileObject(a) else { return XCTFail("no file objects") }
            XCTAssertFalse(fileA === fileB, "each open is its own file object")
            for handle in [a, b, a, b] { XCTAssertEqual(nt.read(handle, memory.ioStatus(), memory.buffer(4), 4), .pending) }
            let expected = driver.queue.queued.filter { $0.fileObject === fileB }.map(\.id)
            XCTAssertEqual(expected.count, 2)

            let taken = driver.device { k in [driver.queue.removeNext(for: fileB, k), driver.queue.removeNext(for: fileB, k),
                                              driver.queue.removeNext(for: fileB, k)] } ?? []
            XCTAssertEqual(taken.compactMap { $0?.id }, expected)
            XCTAssertNil(taken.last ?? nil, "no third request on that file object")
            XCTAssertEqual(driver.queue.count, 2)
            XCTAssertTrue(driver.queue.queued.allSatisfy { $0.fileObject === fileA })
            driver.device { k in for irp in taken.compactMap({ $0 }) { k.complete(irp, status: .success) } }
        }
        XCTAssertEqual(sim.bugChecks, [])
    }

    /// nt-io-model §3.3 ("never leaves a cancelled IRP in the queue"): an IRP whose cancellation
    /// was requested before it reached the queue (no cancel routine was armed, so the request
    /// only set its cancel flag) is not queued: `insert` returns false and completes it with
    /// `STATUS_CANCELLED` at once.
    func testInsertingAnAlreadyCancelledIRPCompletesItAsCancelled() {
        let sim = Simulation()
        let driver = QueueingDriver()
        driver.holdsOutsideQueue = true
        sim.installDevice(path, driver: driver)
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let block = memory.ioStatus()
            XCTAssertEqual(nt.read(h, block, memory.buffer(8), 8), .pending)
            guard let irp = driver.held.first else { return XCTFail("the read was not held") }
            XCTAssertEqual(nt.cancel(h, block), .success, "found, even though nothing could be called")
            XCTAssertTrue(irp.isCancelRequested)
            XCTAssertEqual(irp.state, .pending, "no cancel routine: cancellation is only a request")
            XCTAssertEqual(ioStatus(block).status, KernelMemory.untouched)

            XCTAssertEqual(driver.device { k in driver.queue.insert(irp, k) }, false)
            XCTAssertTrue(driver.queue.isEmpty)
            XCTAssertEqual(irp.state, .delivered)
            XCTAssertEqual(ioStatus(block).status, NTStatus.cancelled.rawValue)
            XCTAssertEqual(ioStatus(block).information, 0)
        }
        XCTAssertEqual(sim.bugChecks, [])
    }

    /// nt-io-model §3.1 step 4, F-CAN (cancellation is a request): with a non-cancellable queue
    /// no cancel routine is armed, so cancelling only sets the IRP's cancel flag; the request
    /// stays queued, and the driver may later complete it *successfully*, cancel flag and all.
    func testNonCancellableQueueOnlySetsTheCancelFlag() {
        let sim = Simulation()
        let driver = QueueingDriver(CancelSafeQueue(cancellable: false))
        sim.installDevice(path, driver: driver)
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let block = memory.ioStatus()
            let buffer = memory.buffer(8)
            XCTAssertEqual(nt.read(h, block, buffer, 8), .pending)
            guard let irp = driver.queue.queued.first else { return XCTFail("not queued") }
            XCTAssertFalse(irp.isCancelRoutineArmed)
            XCTAssertTrue(irp.isMarkedPending)

            XCTAssertEqual(nt.cancel(h, nil), .success)
            XCTAssertTrue(irp.isCancelRequested)
            XCTAssertEqual(irp.state, .pending)
            XCTAssertEqual(driver.queue.count, 1)

            driver.device { k in
                guard let next = driver.queue.removeNext(k) else { return XCTFail("removeNext skipped a non-cancellable IRP") }
                next.systemBuffer = ArraySlice(Array("late!".utf8))
                k.complete(next, status: .success, information: 5)
            }
            XCTAssertEqual(ioStatus(block).status, NTStatus.success.rawValue)
            XCTAssertEqual(ioStatus(block).information, 5)
            XCTAssertEqual(String(decoding: UnsafeRawBufferPointer(start: buffer, count: 5), as: UTF8.self), "late!")
        }
        XCTAssertEqual(sim.bugChecks, [])
    }

    /// nt-io-model §3.2, §3.3: a queue with its own cancelled-handler (a slow cancel path)
    /// gives the cancelled IRP to that handler, which then owns it: it is out of the queue,
    /// `remove` and `removeNext` cannot get it back, and it completes when the handler says so.
    func testCancelledHandlerOwnsTheIRPUntilItCompletesIt() {
        final class Handed { var irps: [IRP] = [] }
        let handed = Handed()
        let sim = Simulation()
        let driver = QueueingDriver(CancelSafeQueue { irp, _ in handed.irps.append(irp) })
        sim.installDevice(path, driver: driver)
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let block = memory.ioStatus()
            XCTAssertEqual(nt.read(h, block, memory.buffer(8), 8), .pending)
            guard let irp = driver.queue.queued.first else { return XCTFail("not queued") }

            XCTAssertEqual(nt.cancel(h, block), .success)
            XCTAssertEqual(handed.irps.map(\.id), [irp.id])
            XCTAssertTrue(driver.queue.isEmpty)
            XCTAssertEqual(irp.state, .pending, "the handler has not completed it yet")
            XCTAssertFalse(irp.isCancelRoutineArmed)
            XCTAssertEqual(driver.device { k in driver.queue.remove(irp, k) }, false)
            XCTAssertNil(driver.device { k in driver.queue.removeNext(k) } ?? nil)
            XCTAssertEqual(ioStatus(block).status, KernelMemory.untouched)

            driver.device { k in k.complete(irp, status: .cancelled) }
            XCTAssertEqual(ioStatus(block).status, NTStatus.cancelled.rawValue)
        }
        XCTAssertEqual(handed.irps.count, 1)
        XCTAssertEqual(sim.bugChecks, [])
        // The handler's list holds the IRP, which holds the driver that holds the handler.
        handed.irps.removeAll()
    }

    /// nt-io-model §8.1 invariant 4, F-CAN-7: once the driver has completed an IRP (stage 1) it
    /// can no longer be cancelled, even though completion processing (stage 2) has not yet run
    /// in the issuing thread: `CancelIoEx` finds nothing, and the cancel flag is not set.
    func testCancelAfterStageOneCompletionFindsNothing() {
        let sim = Simulation()
        let driver = QueueingDriver()
        sim.installDevice(path, driver: driver)
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let block = memory.ioStatus()
            XCTAssertEqual(nt.read(h, block, memory.buffer(8), 8), .pending)
            guard let irp = driver.queue.queued.first, let k = driver.k else { return XCTFail("not queued") }
            let kernel = sim.kernel
            let status = kernel.withKernelEntry { () -> NTStatus in
                guard let taken = driver.queue.removeNext(k) else { return .unsuccessful }
                k.complete(taken, status: .success, information: 0)
                XCTAssertEqual(taken.state, .completed, "stage 2 waits for the return to user mode")
                XCTAssertEqual(ioStatus(block).status, KernelMemory.untouched)
                return kernel.ntCancelIoFileEx(handle: h, ioStatus: block)
            }
            XCTAssertEqual(status, .notFound)
            XCTAssertFalse(irp.isCancelRequested)
            XCTAssertEqual(irp.state, .delivered)
            XCTAssertEqual(ioStatus(block).status, NTStatus.success.rawValue)
        }
        XCTAssertEqual(sim.bugChecks, [])
    }

    // MARK: Bug checks

    /// nt-io-model §2.3 step 1, §8.1 invariant 1: completing an IRP twice is
    /// `MULTIPLE_IRP_COMPLETE_REQUESTS` (0x44), reported once and naming the IRP. The first
    /// completion stands; the file object's reference is released exactly once.
    func testCompletingTwiceIsBugCheck0x44AndTheFirstCompletionStands() {
        let sim = Simulation()
        sim.installDevice(path, driver: FaultyDriver(.completesTwice))
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let block = memory.ioStatus()
            XCTAssertEqual(nt.read(h, block, memory.buffer(8), 8), .success)
            XCTAssertEqual(ioStatus(block).status, NTStatus.success.rawValue)
            XCTAssertEqual(ioStatus(block).information, 0)
            XCTAssertEqual(sim.bugChecks.map(\.code), [BugCheck.multipleIRPCompleteRequests])
            XCTAssertEqual(BugCheck.multipleIRPCompleteRequests, 0x44)
            XCTAssertNotNil(sim.bugChecks.first?.irp)
            XCTAssertEqual(nt.fileObject(h)?.pointerCount, 1)
            XCTAssertEqual(nt.fileObject(h)?.liveIRPCount, 0)
            XCTAssertEqual(sim.irpsInFlight.count, 0)
        }
    }

    /// nt-io-model §2.2, §8.1 invariant 3 (*MarkIrpPending*): returning `STATUS_PENDING` without
    /// `IoMarkIrpPending` is `DRIVER_VERIFIER_IOMANAGER_VIOLATION` (0xC9). The kernel marks it
    /// for the driver, so the request is consistently pending: the caller sees pending, its
    /// status block is untouched, and the IRP stays in flight.
    func testReturningPendingWithoutMarkingIsBugCheck0xC9AndTheIRPIsPending() {
        let sim = Simulation()
        sim.installDevice(path, driver: FaultyDriver(.returnsPendingWithoutMarking))
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let block = memory.ioStatus()
            XCTAssertEqual(nt.read(h, block, memory.buffer(8), 8), .pending)
            XCTAssertEqual(sim.bugChecks.map(\.code), [BugCheck.ioManagerViolation])
            XCTAssertEqual(BugCheck.ioManagerViolation, 0xC9)
            XCTAssertEqual(ioStatus(block).status, KernelMemory.untouched)
            guard let irp = sim.irpsInFlight.first else { return XCTFail("the IRP is not in flight") }
            XCTAssertEqual(sim.bugChecks.first?.irp, irp.id)
            XCTAssertEqual(irp.state, .pending)
            XCTAssertTrue(irp.isMarkedPending)
            XCTAssertTrue(irp.pendingReturned)
        }
    }

    /// nt-io-model §3.2, §2.3 step 1 (verifier 0xC9/0x07): completing with the cancel routine
    /// still armed is a 0xC9 bug check; the kernel disarms the routine and the completion
    /// stands, so a later cancel finds nothing and calls nothing.
    func testCompletingWithCancelRoutineArmedIsBugCheck0xC9AndTheRoutineIsDisarmed() {
        let sim = Simulation()
        sim.installDevice(path, driver: FaultyDriver(.completesWithCancelRoutineArmed))
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let block = memory.ioStatus()
            XCTAssertEqual(nt.read(h, block, memory.buffer(8), 8), .success)
            XCTAssertEqual(sim.bugChecks.map(\.code), [0xC9])
            XCTAssertEqual(ioStatus(block).status, NTStatus.success.rawValue)
            XCTAssertEqual(sim.irpsInFlight.count, 0)
            XCTAssertEqual(nt.cancel(h, block), .notFound)
        }
        XCTAssertEqual(sim.bugChecks.count, 1)
    }

    /// nt-io-model §2.2 ("the I/O manager attempts to complete the IRP as soon as the dispatch
    /// routine returns"): a dispatch routine that returns success without completing or pending
    /// the IRP is a 0xC9 bug check, and the kernel completes it with the returned status and
    /// 0 bytes, releasing its reference.
    func testReturningWithoutCompletingIsBugCheck0xC9AndTheKernelCompletesIt() {
        let sim = Simulation()
        sim.installDevice(path, driver: FaultyDriver(.returnsWithoutCompleting))
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let block = memory.ioStatus()
            XCTAssertEqual(nt.read(h, block, memory.buffer(8), 8), .success)
            XCTAssertEqual(sim.bugChecks.map(\.code), [0xC9])
            XCTAssertEqual(ioStatus(block).status, NTStatus.success.rawValue)
            XCTAssertEqual(ioStatus(block).information, 0)
            XCTAssertEqual(sim.irpsInFlight.count, 0)
            XCTAssertEqual(nt.fileObject(h)?.pointerCount, 1)
        }
    }

    /// nt-io-model §2.2 (*PendedCompletedRequest*): a driver that marked the IRP pending must
    /// return `STATUS_PENDING`, even if it already completed it. Returning success instead is
    /// 0xC9; the kernel treats the request as pending (the caller sees `STATUS_PENDING`) and
    /// delivers the completion through the status block, once.
    func testMarkingPendingButReturningSuccessIsBugCheck0xC9AndTheCallerSeesPending() {
        let sim = Simulation()
        sim.installDevice(path, driver: MarksPendingButReturnsSuccess())
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let block = memory.ioStatus()
            let buffer = memory.buffer(4)
            XCTAssertEqual(nt.read(h, block, buffer, 4), .pending)
            XCTAssertEqual(sim.bugChecks.map(\.code), [0xC9])
            XCTAssertEqual(ioStatus(block).status, NTStatus.success.rawValue)
            XCTAssertEqual(ioStatus(block).information, 2)
            XCTAssertEqual(String(decoding: UnsafeRawBufferPointer(start: buffer, count: 2), as: UTF8.self), "hi")
            XCTAssertEqual(sim.irpsInFlight.count, 0)
        }
    }

    /// nt-io-model §2.2, §8.1 (verifier 0xC9/0x06): `STATUS_PENDING` is not a completion
    /// status. Completing with it is a 0xC9 bug check and is ignored: the IRP stays in the
    /// driver, and the driver's later, proper completion is the one (and only one) delivered.
    func testCompletingWithStatusPendingIsBugCheck0xC9AndIgnored() {
        let sim = Simulation()
        let driver = QueueingDriver()
        driver.holdsOutsideQueue = true
        sim.installDevice(path, driver: driver)
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            let block = memory.ioStatus()
            XCTAssertEqual(nt.read(h, block, memory.buffer(8), 8), .pending)
            guard let irp = driver.held.first else { return XCTFail("not held") }

            driver.device { k in k.complete(irp, status: .pending) }
            XCTAssertEqual(sim.bugChecks.map(\.code), [0xC9])
            XCTAssertTrue(irp.isInDriver)
            XCTAssertEqual(ioStatus(block).status, KernelMemory.untouched)

            driver.device { k in k.complete(irp, status: .endOfFile) }
            XCTAssertEqual(ioStatus(block).status, NTStatus.endOfFile.rawValue)
            XCTAssertEqual(sim.bugChecks.count, 1, "the real completion is not a second completion")
        }
    }

    /// DESIGN.md (a hang is reported, not suffered): a driver that marks requests pending and
    /// forgets them keeps them in flight; a wait on the file object can never be satisfied, so
    /// it returns `STATUS_POSSIBLE_DEADLOCK` and the simulation records one hang report naming
    /// the blocked thread and the forgotten IRP.
    func testNeverCompletingDriverLeavesTheIRPPendingAndAWaitIsReportedAsAHang() {
        let sim = Simulation()
        let driver = FaultyDriver(.neverCompletes)
        sim.installDevice(path, driver: driver)
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let h = nt.open(path)
            XCTAssertEqual(nt.read(h, memory.ioStatus(), memory.buffer(8), 8), .pending)
            guard let irp = driver.dropped.first else { return XCTFail("not dropped") }
            XCTAssertEqual(irp.state, .pending)
            XCTAssertEqual(nt.wait(h, timeout: nil), .possibleDeadlock)
            XCTAssertEqual(sim.hangs.count, 1)
            XCTAssertEqual(sim.hangs.first?.threads.count, 1)
            XCTAssertTrue(sim.hangs.first?.threads.first?.hasPrefix("main") ?? false)
            XCTAssertTrue(sim.hangs.first?.pendingIRPs.first?.contains(irp.label) ?? false)
            // A wait with a timeout is not a hang.
            XCTAssertEqual(nt.wait(h, timeout: .milliseconds(20)), .timeout)
            XCTAssertEqual(sim.now.milliseconds, 20)
            XCTAssertEqual(sim.hangs.count, 1)
        }
        XCTAssertEqual(sim.bugChecks, [])
    }

    // MARK: NTStatus

    /// win32-facts C-3, C-5: each named status has its documented value and severity.
    /// `isSuccess` is `NT_SUCCESS` (success and informational, including `STATUS_PENDING` and
    /// `STATUS_TIMEOUT`); `STATUS_BUFFER_OVERFLOW` is a warning, neither success nor error;
    /// the 0xC… codes are errors. Exactly one of success / warning / error holds.
    func testEveryNamedStatusHasItsValueAndSeverity() {
        enum Severity { case success, warning, error }
        let table: [(NTStatus, UInt32, Severity, String)] = [
            (.success, 0x0000_0000, .success, "STATUS_SUCCESS"),
            (.abandonedWait0, 0x0000_0080, .success, "STATUS_ABANDONED_WAIT_0"),
            (.userAPC, 0x0000_00C0, .success, "STATUS_USER_APC"),
            (.alerted, 0x0000_0101, .success, "STATUS_ALERTED"),
            (.timeout, 0x0000_0102, .success, "STATUS_TIMEOUT"),
            (.pending, 0x0000_0103, .success, "STATUS_PENDING"),
            (.bufferOverflow, 0x8000_0005, .warning, "STATUS_BUFFER_OVERFLOW"),
            (.unsuccessful, 0xC000_0001, .error, "STATUS_UNSUCCESSFUL"),
            (.accessViolation, 0xC000_0005, .error, "STATUS_ACCESS_VIOLATION"),
            (.invalidHandle, 0xC000_0008, .error, "STATUS_INVALID_HANDLE"),
            (.invalidParameter, 0xC000_000D, .error, "STATUS_INVALID_PARAMETER"),
            (.invalidDeviceRequest, 0xC000_0010, .error, "STATUS_INVALID_DEVICE_REQUEST"),
            (.endOfFile, 0xC000_0011, .error, "STATUS_END_OF_FILE"),
            (.objectTypeMismatch, 0xC000_0024, .error, "STATUS_OBJECT_TYPE_MISMATCH"),
            (.objectNameNotFound, 0xC000_0034, .error, "STATUS_OBJECT_NAME_NOT_FOUND"),
            (.threadIsTerminating, 0xC000_004B, .error, "STATUS_THREAD_IS_TERMINATING"),
            (.pipeDisconnected, 0xC000_00B0, .error, "STATUS_PIPE_DISCONNECTED"),
            (.pipeClosing, 0xC000_00B1, .error, "STATUS_PIPE_CLOSING"),
            (.invalidUserBuffer, 0xC000_00E8, .error, "STATUS_INVALID_USER_BUFFER"),
            (.cancelled, 0xC000_0120, .error, "STATUS_CANCELLED"),
            (.pipeBroken, 0xC000_014B, .error, "STATUS_PIPE_BROKEN"),
            (.possibleDeadlock, 0xC000_0194, .error, "STATUS_POSSIBLE_DEADLOCK"),
            (.notFound, 0xC000_0225, .error, "STATUS_NOT_FOUND"),
            (.connectionAborted, 0xC000_0241, .error, "STATUS_CONNECTION_ABORTED"),
        ]
        for (status, raw, severity, name) in table {
            XCTAssertEqual(status.rawValue, raw, name)
            XCTAssertEqual(status.name, name)
            XCTAssertEqual(status.description, name)
            XCTAssertEqual(status.isSuccess, severity == .success, "\(name).isSuccess")
            XCTAssertEqual(status.isWarning, severity == .warning, "\(name).isWarning")
            XCTAssertEqual(status.isError, severity == .error, "\(name).isError")
        }
        XCTAssertEqual(Set(table.map(\.1)).count, table.count, "no two names share a value")
    }

    /// C-5 (`NT_SUCCESS` counts informational codes as success) and the unnamed-status fallback:
    /// an informational 0x4… status is a success, neither warning nor error; a status without
    /// a name prints as hexadecimal; `wait(i)` is `STATUS_WAIT_0 + i`.
    func testUnnamedStatusesAndWaitStatuses() {
        let informational = NTStatus(rawValue: 0x4000_0000)
        XCTAssertTrue(informational.isSuccess)
        XCTAssertFalse(informational.isWarning)
        XCTAssertFalse(informational.isError)
        XCTAssertEqual(informational.name, "0x40000000")
        XCTAssertEqual(NTStatus(rawValue: 0xC000_0030).name, "0xC0000030")
        XCTAssertTrue(NTStatus(rawValue: 0x8000_001A).isWarning)
        XCTAssertEqual(NTStatus.wait(0), .success)
        XCTAssertEqual(NTStatus.wait(63).rawValue, 63)
    }

    // MARK: Virtual time

    /// DESIGN.md (time is virtual): a `VirtualInstant` moves by `Duration`s, saturating at the
    /// end of time instead of overflowing and treating negative durations as zero; it reports
    /// whole milliseconds as `GetTickCount64` does (truncating), prints as `ms.μs`, and orders
    /// by time.
    func testVirtualInstantArithmeticAndText() {
        let start = VirtualInstant.zero
        XCTAssertEqual(start.advanced(by: .milliseconds(250)).nanoseconds, 250_000_000)
        XCTAssertEqual(start.advanced(by: .nanoseconds(1_500)).nanoseconds, 1_500)
        XCTAssertEqual(start.advanced(by: .seconds(2)).advanced(by: .microseconds(3)).nanoseconds, 2_000_003_000)
        XCTAssertEqual(start.advanced(by: .seconds(-2)), start, "negative durations do not move time back")
        let nearEnd = VirtualInstant(nanoseconds: .max - 5)
        XCTAssertEqual(nearEnd.advanced(by: .seconds(1)).nanoseconds, .max, "saturates")
        XCTAssertEqual(start.advanced(by: .seconds(Int64.max)).nanoseconds, .max, "saturates on a huge duration")

        XCTAssertEqual(VirtualInstant(nanoseconds: 1_999_999).milliseconds, 1, "truncates")
        XCTAssertEqual(VirtualInstant(nanoseconds: 1_000_000_000).description, "1000.000ms")
        XCTAssertEqual(VirtualInstant(nanoseconds: 1_234_567).description, "1.234ms")
        XCTAssertEqual(VirtualInstant(nanoseconds: 5_000).description, "0.005ms")
        XCTAssertLessThan(VirtualInstant(nanoseconds: 1), VirtualInstant(nanoseconds: 2))
        XCTAssertEqual([VirtualInstant(nanoseconds: 9), .zero, VirtualInstant(nanoseconds: 3)].sorted().map(\.nanoseconds), [0, 3, 9])
    }

    /// DESIGN.md (bad input never crashes the simulator), `VirtualInstant.advanced(by:)`'s
    /// contract ("negative durations are 0"): a negative duration shorter than a second, such
    /// as a driver scheduling `.milliseconds(-5)`, leaves the instant where it is. Swift splits
    /// such a duration into 0 seconds and *negative* attoseconds, so a guard on the seconds alone
    /// is not enough.
    func testNegativeSubSecondDurationDoesNotMoveTimeBack() {
        let start = VirtualInstant(nanoseconds: 1_000)
        XCTAssertEqual(start.advanced(by: .milliseconds(-5)), start)
        XCTAssertEqual(start.advanced(by: .nanoseconds(-1)), start)
        XCTAssertEqual(start.advanced(by: .milliseconds(-1_500)), start)
    }

    /// C-2: a Win32 timeout in milliseconds becomes a `Duration`, and `INFINITE` (0xFFFFFFFF)
    /// becomes nil (no deadline); 0xFFFFFFFE is a finite 49.7-day timeout.
    func testWin32TimeoutConversion() {
        XCTAssertNil(Duration.win32Timeout(0xFFFF_FFFF))
        XCTAssertEqual(Duration.win32Timeout(0), .zero)
        XCTAssertEqual(Duration.win32Timeout(250), .milliseconds(250))
        XCTAssertEqual(Duration.win32Timeout(0xFFFF_FFFE), .milliseconds(4_294_967_294))
    }

    // MARK: Device events on the virtual clock

    /// DESIGN.md (determinism), `DriverContext.schedule`: device events fire in deadline order,
    /// and events due at the same instant fire in the order they were scheduled. Three reads:
    /// A (30 ms), then B and C (10 ms each). They complete B, C, A, at 10, 10 and 30 ms, as the
    /// trace shows; `pendingDeviceEvents` lists them in that order beforehand. A cancelled
    /// event never fires.
    func testDeviceEventsFireInDeadlineThenScheduleOrder() {
        let sim = Simulation(options: SimulationOptions(tracing: true))
        sim.installDevice(#"\\.\a"#, driver: StockDriver(completion: .after(.milliseconds(30))))
        sim.installDevice(#"\\.\b"#, driver: StockDriver(completion: .after(.milliseconds(10))))
        sim.installDevice(#"\\.\c"#, driver: StockDriver(completion: .after(.milliseconds(10))))
        sim.installDevice(#"\\.\d"#, driver: StockDriver(completion: .after(.milliseconds(20))))
        let memory = memory()
        sim.run {
            let nt = SystemServices(sim: sim)
            let handles = [#"\\.\a"#, #"\\.\b"#, #"\\.\c"#, #"\\.\d"#].map { nt.open($0) }
            let blocks = handles.map { _ in memory.ioStatus() }
            for (handle, block) in zip(handles, blocks) {
                XCTAssertEqual(nt.read(handle, block, memory.buffer(4), 4), .pending)
            }
            let irps = sim.irpsInFlight
            guard irps.count == 4 else { return XCTFail("four reads should be in flight") }
            let (a, b, c, d) = (irps[0].id, irps[1].id, irps[2].id, irps[3].id)
            let pending = sim.pendingDeviceEvents
            XCTAssertEqual(pending.map(\.label), ["device finishes IRP#\(b)", "device finishes IRP#\(c)",
                                                  "device finishes IRP#\(d)", "device finishes IRP#\(a)"])
            // Cancel D's event: its read never completes.
            pending[2].cancel()
            XCTAssertFalse(pending[2].isPending)
            XCTAssertEqual(sim.pendingDeviceEvents.count, 3)

            sim.trace.removeAll()
            nt.delayExecution(.milliseconds(50))
            XCTAssertEqual(sim.now.milliseconds, 50)

            let completions = sim.trace.entries.compactMap { entry -> (Int, UInt64)? in
                if case .irpCompleted(let irp, _, _) = entry.event { return (irp, entry.time.milliseconds) }
                return nil
            }
            XCTAssertEqual(completions.map(\.0), [b, c, a])
            XCTAssertEqual(completions.map(\.1), [10, 10, 30])
            XCTAssertEqual(ioStatus(blocks[3]).status, KernelMemory.untouched, "the cancelled event never fired")
            XCTAssertEqual(sim.pendingDeviceEvents.count, 0)
        }
    }
}
