/// Where a named kernel object's name puts it in the object namespace.
///
/// kernelbase opens an event's, a job's or a file mapping's name relative to the session's
/// `\Sessions\1\BaseNamedObjects` (the simulated program runs in session 1, as an interactive
/// user's does), and the object manager walks the name through that directory. Microsoft's
/// "Kernel object namespaces": a process in a client session uses the session namespace by
/// default, "Local\" names it explicitly (so `Local\ready` and `ready` are one object),
/// "Global\" names the global namespace (`Global\ready` is another object), and "These keywords
/// are case sensitive". Any other backslash names a directory that does not exist under
/// `BaseNamedObjects`: `STATUS_OBJECT_PATH_NOT_FOUND`, `ERROR_PATH_NOT_FOUND` (as Wine's
/// virtual.c test_MapViewOfFile finds a `Local\` name fail on NT 4, which had no such link).
/// The "Session\" prefix is reserved for the system and not resolved here.
package enum ObjectNamespace {
    /// The key a named object is kept under: the name in the session namespace (without
    /// `Local\`), or `Global\` and the name for the global one; nil for a name that walks
    /// through a directory that does not exist (`STATUS_OBJECT_PATH_NOT_FOUND`).
    package static func key(for name: String) -> String? {
        let local = "Local\\", global = "Global\\"
        let key = name.hasPrefix(local) ? String(name.dropFirst(local.count)) : name
        let leaf = key.hasPrefix(global) ? key.dropFirst(global.count) : Substring(key)
        return leaf.contains("\\") ? nil : key
    }
}
