/// `WindowsBool` is declared in C (CWin32's WindowsTypes.h) so that C structs can have fields
/// of its type with the layout of an `int`; these are the conformances Swift's WinSDK overlay
/// gives it: a Boolean literal makes one, `boolValue` reads it, and two are equal when their
/// truth is (any nonzero value is true, as C reads a `BOOL`). `@retroactive`: CWin32 is this
/// package's own C target, so no one else can add these conformances.
extension WindowsBool: @retroactive ExpressibleByBooleanLiteral, @retroactive Equatable,
    @retroactive CustomStringConvertible, @retroactive CustomReflectable
{
    /// The value as a `Bool`: true for any nonzero `BOOL`.
    @_transparent public var boolValue: Bool { _value != 0 }

    @_transparent public init(booleanLiteral value: Bool) {
        self.init(value)
    }

    /// `TRUE` (1) or `FALSE` (0).
    @_transparent public init(_ value: Bool) {
        self.init(_value: value ? 1 : 0)
    }

    @_transparent public static func == (lhs: WindowsBool, rhs: WindowsBool) -> Bool {
        lhs.boolValue == rhs.boolValue
    }

    public var description: String { boolValue.description }

    public var customMirror: Mirror { Mirror(reflecting: boolValue) }
}
