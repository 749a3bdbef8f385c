// Structures that Windows code hands across concurrency domains.
//
// Code written for Windows imports WinSDK with `@preconcurrency` (swift-subprocess does), which
// silences Sendable diagnostics for WinSDK's own C structures: swift-subprocess returns a
// `PROCESS_INFORMATION` from a closure run on a background thread. Here the structures are
// declared in CWin32 and re-exported, and `@preconcurrency import WinSDK` does not reach
// another module's declarations, so the structures such code sends are declared Sendable
// (they hold handles and ids, values that any thread may use).
extension PROCESS_INFORMATION: @retroactive @unchecked Sendable {}
