import WinSDK

/// A closure run as a simulated thread through the real `CreateThread`, as Windows code starts
/// its workers (a C routine, the context behind `lpParameter`).
private final class ThreadBody {
    let body: () -> DWORD
    init(_ body: @escaping () -> DWORD) { self.body = body }
}

private let runThreadBody: LPTHREAD_START_ROUTINE = { parameter in
    guard let parameter else { return 0 }
    return Unmanaged<ThreadBody>.fromOpaque(parameter).takeRetainedValue().body()
}

/// Starts `body` on a new simulated thread; it first runs when the calling thread blocks.
func startThread(_ body: @escaping () -> DWORD) -> HANDLE? {
    CreateThread(nil, 0, runThreadBody, Unmanaged.passRetained(ThreadBody(body)).toOpaque(), 0, nil)
}

/// What the threads of a story did, in order, with the virtual time of each step.
final class StoryLog {
    var lines: [String] = []
    func note(_ line: String) { lines.append("\(GetTickCount64()) ms: \(line)") }
}
