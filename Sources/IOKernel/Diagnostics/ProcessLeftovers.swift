/// What one process left behind, as ``TeardownReport/processes`` lists it: the handles still
/// in its table, the requests its threads issued that are still in flight, and the blocks of
/// its heap it never freed (for a child that exited: the blocks in use at its exit, which the
/// exit freed). Each list keeps at most ``TeardownReport/entryLimit`` entries.
public struct ProcessLeftovers: Equatable, Sendable, CustomStringConvertible {
    /// `GetProcessId`'s value (0x400 for the simulation's first process).
    public let processID: UInt32
    /// The executable's file name (`child.exe`; `main` for the first process).
    public let imageName: String
    /// The exit code, once the process has exited or begun to; nil while it runs.
    public let exitCode: UInt32?
    /// Handles never closed: value and object (`0x4 File#2`).
    public let openHandles: [String]
    /// Requests its threads issued (or its thread-agnostic requests) still in flight.
    public let irpsInFlight: [IRPDump]
    /// Blocks of its heap never freed.
    public let memoryNeverFreed: [MemoryBlockInfo]

    /// `child.exe (pid 0x404)`.
    public var name: String { "\(imageName) (pid 0x\(String(processID, radix: 16)))" }

    public var isEmpty: Bool { openHandles.isEmpty && irpsInFlight.isEmpty && memoryNeverFreed.isEmpty }

    public var description: String {
        "\(name)" + (exitCode.map { ", exit code \($0)" } ?? ", running") + ": \(openHandles.count) handle(s), "
            + "\(irpsInFlight.count) IRP(s) in flight, \(memoryNeverFreed.count) heap block(s) never freed"
    }
}

extension Kernel {
    /// Each process's leftovers, in creation order; processes that left nothing are omitted.
    func processLeftovers() -> [ProcessLeftovers] {
        let limit = TeardownReport.entryLimit
        var blocksByOwner: [UInt32: [MemoryBlockInfo]] = [:]
        for index in memory.blocks.indices where memory.blocks[index].region == .heap {
            let block = memory.blocks[index]
            guard !block.isFreed || block.leftAtExit, blocksByOwner[block.owner, default: []].count < limit else { continue }
            blocksByOwner[block.owner, default: []].append(blockInfo(Int32(index)))
        }
        return processes.compactMap { process in
            var irps: [IRPDump] = []
            for thread in process.threads { for irp in thread.irps where irps.count < limit { irps.append(irp.dump) } }
            for file in fileObjects {
                for irp in file.agnosticIRPs where irp.thread?.process === process && irps.count < limit { irps.append(irp.dump) }
            }
            let leftovers = ProcessLeftovers(
                processID: process.processID, imageName: process.imageName, exitCode: process.exitCode,
                openHandles: process.handles.entries.prefix(limit).map { "0x" + String($0.value, radix: 16) + " " + $0.object.label },
                irpsInFlight: irps, memoryNeverFreed: blocksByOwner[process.processID] ?? [])
            return leftovers.isEmpty ? nil : leftovers
        }
    }
}
