// `import WinSDK` on Linux and macOS: the simulator's Win32 surface under the name of the
// module Swift code imports on Windows, so that Windows code compiles unchanged and
// `WinSDK.CREATE_ALWAYS`-style qualified names resolve.
//
// On Windows this file is empty and the package does not even declare this target (see
// Package.swift): the real WinSDK must never be shadowed there.
#if !os(Windows)
@_exported import Win32Surface
@_exported import ucrt
#endif
