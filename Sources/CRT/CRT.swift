// `import CRT` on Linux and macOS: on Windows, `CRT` is the Swift SDK's overlay of the Universal
// C runtime (it re-exports `ucrt`), and Windows code such as swift-foundation's imports it by that
// name. Here it re-exports this package's `ucrt`, so that code compiles unchanged.
//
// On Windows this file is empty and the `CRT` product is built from a placeholder target of
// another name (see Package.swift): the SDK's CRT module must never be shadowed there.
#if !os(Windows)
@_exported import ucrt
#endif
