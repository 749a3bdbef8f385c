/// A kernel event: a notification (manual-reset) or synchronization (auto-reset) event.
///
/// A manual-reset event stays signalled until it is reset and releases every waiter; an
/// auto-reset event releases one waiter and resets itself (win32-facts F-EVT-1).
public final class EventObject: KernelObject {
    public let isManualReset: Bool
    /// The name it was created with, if any (names are case-sensitive, F-EVT-2).
    public let name: String?

    init(id: Int, manualReset: Bool, initialState: Bool, name: String?) {
        self.isManualReset = manualReset
        self.name = name
        super.init(id: id, kind: .event)
        signaled = initialState
    }

    override func satisfyWait() {
        if !isManualReset { signaled = false }
    }
}
