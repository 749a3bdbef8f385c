/// Who keeps a pipe open: the evidence a hang report gives for a read that never ends.
///
/// A read pending on a pipe end ends when the other end writes, or breaks when the other end's
/// last handle closes (F-CLOSE-5). When every thread is blocked, the handles still open on the
/// other end, in every process, are why the read cannot break: the classic leak of a parent
/// that keeps its copy of the child's write end (Microsoft's "Creating a Child Process with
/// Redirected Input and Output": "If they are not explicitly closed, there is no way to
/// recognize that the child process has ended"), or a handle inherited by accident into
/// another child.
extension Kernel {
    /// For a request on a pipe end whose other end is open: "; the other end, File#3, is kept
    /// open by handle 0x8 in main (pid 0x400)". Empty for anything else.
    func otherEndHolders(of irp: IRP) -> String {
        guard let end = irp.fileObject.driverContext as? PipeEnd, let peer = end.peer,
              let other = fileObjects.first(where: { $0.driverContext === peer }), other.handleCount > 0
        else { return "" }
        let holders = processes.flatMap { process in
            process.handles.entries.filter { $0.object === other }.map {
                "handle 0x\(String($0.value, radix: 16)) in \(process.imageName) (pid 0x\(String(process.processID, radix: 16)))"
            }
        }
        return "; the other end, \(other.label), is kept open by " + holders.joined(separator: ", ")
    }
}
