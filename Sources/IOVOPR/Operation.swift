/// What one step of the VOPR does: a Win32 call (or a device acting) picked by weight. A new
/// area of the simulator joins the workload by adding a case here, its weight, and its body in
/// `World+Operations.swift`.
public enum VOPROperation: String, CaseIterable, Sendable {
    case openDevice, createPipe, openDiskFile, createEvent, createPort, associatePort
    case read, write, readEx, writeEx, peek
    case overlappedResult, cancelIo, cancelIoEx, close, duplicate
    case dequeue, post, sleepAlertable, queueAPC, setEvent
    case completeDevice, heapAlloc, heapFree, spawnWorker, waitWorker
    case spawnChild, terminateChild, waitChild

    /// How often it is picked, relative to the others.
    var weight: Int {
        switch self {
        case .read, .write: 12
        case .readEx, .writeEx, .overlappedResult, .dequeue, .completeDevice: 6
        case .cancelIo, .cancelIoEx, .close, .heapAlloc, .heapFree, .sleepAlertable: 4
        case .openDevice, .createPipe, .openDiskFile, .peek, .post, .queueAPC, .setEvent: 3
        case .createEvent, .createPort, .associatePort, .duplicate: 2
        case .spawnWorker, .waitWorker, .spawnChild, .terminateChild, .waitChild: 1
        }
    }

    /// Operations a worker thread may run: no alertable I/O of its own (its APCs are discarded
    /// when it exits, so their deliveries cannot be counted) and no new workers.
    var runsOnWorkers: Bool {
        switch self {
        case .readEx, .writeEx, .spawnWorker, .waitWorker, .queueAPC, .spawnChild: false
        default: true
        }
    }

    /// The cumulative weights, for picking.
    static let table: [(VOPROperation, Int)] = {
        var total = 0
        return allCases.map { total += $0.weight; return ($0, total) }
    }()

    static func pick(_ random: inout SeededGenerator, workerSafe: Bool) -> VOPROperation {
        while true {
            let roll = random.below(table.last?.1 ?? 1)
            let choice = table.first { roll < $0.1 }?.0 ?? .read
            if !workerSafe || choice.runsOnWorkers { return choice }
        }
    }
}
