/// A point on the simulation's virtual clock, in nanoseconds since the simulation started.
///
/// Only the simulation moves this clock: a wait that times out, a `Sleep`, or a device event
/// that falls due. Nothing in the kernel reads a real clock, so a scenario's outcome never
/// depends on the speed of the host.
public struct VirtualInstant: Comparable, Hashable, Sendable, CustomStringConvertible {
    public var nanoseconds: UInt64

    @inlinable public init(nanoseconds: UInt64) { self.nanoseconds = nanoseconds }

    public static let zero = VirtualInstant(nanoseconds: 0)

    @inlinable public static func < (a: Self, b: Self) -> Bool { a.nanoseconds < b.nanoseconds }

    /// The instant `duration` later, saturating instead of overflowing.
    @inlinable public func advanced(by duration: Duration) -> VirtualInstant {
        let (sum, overflow) = nanoseconds.addingReportingOverflow(duration.virtualNanoseconds)
        return VirtualInstant(nanoseconds: overflow ? .max : sum)
    }

    /// Milliseconds since the start, as `GetTickCount64` reports them.
    @inlinable public var milliseconds: UInt64 { nanoseconds / 1_000_000 }

    /// `t=1000.000ms`-style text, as the timeline prints it.
    public var description: String {
        let ms = nanoseconds / 1_000_000
        let frac = (nanoseconds % 1_000_000) / 1_000
        return "\(ms)." + String(String(frac + 1000).dropFirst()) + "ms"
    }
}

extension Duration {
    /// The duration in whole nanoseconds, clamped to `0...UInt64.max` (negative durations are 0).
    @inlinable var virtualNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        // A negative duration (even a fraction of a second, whose seconds part is 0) is 0.
        guard seconds >= 0, attoseconds >= 0 else { return 0 }
        let (ns, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        return ns &+ UInt64(attoseconds / 1_000_000_000)
    }

    /// A Win32 timeout in milliseconds; `nil` for `INFINITE` (0xFFFFFFFF).
    @inlinable public static func win32Timeout(_ milliseconds: UInt32) -> Duration? {
        milliseconds == 0xFFFF_FFFF ? nil : .milliseconds(Int64(milliseconds))
    }
}
