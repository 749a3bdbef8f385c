import WinSDK

/// Starts `body` on a new simulated thread with `CreateThread`; it first runs when the calling
/// thread blocks. The closure is the kernel's to hold (`CreateThread(running:)`), so what it
/// captures is released even when the thread is still blocked when the simulation goes.
func startThread(_ body: @escaping () -> DWORD) -> HANDLE? {
    CreateThread(running: body)
}
/// What the threads of a story did, in order, with the virtual time of each step.
final class StoryLog {
    var lines: [String] = []
    func note(_ line: String) { lines.append("\(GetTickCount64()) ms: \(line)") }
}
