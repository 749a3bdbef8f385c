// swift-tools-version:6.0
import PackageDescription

// The module that stands in for WinSDK is named `WinSDK` everywhere but on Windows, where the
// real WinSDK must never be shadowed: there the `WinSDK` product is an empty module of another
// name, so a package that depends on it unconditionally still builds against the real WinSDK.
// (Package manifests are evaluated on the host; when cross-compiling to Windows, depend on the
// product with `condition: .when(platforms: [.linux, .macOS])` instead. See the README.)
#if os(Windows)
let winSDKShim = "WinSDKPlaceholder"
let winSDKShimDependencies: [Target.Dependency] = []
let ucrtShim = "ucrtPlaceholder"
let ucrtShimDependencies: [Target.Dependency] = []
let crtShim = "CRTPlaceholder"
let crtShimDependencies: [Target.Dependency] = []
#else
let winSDKShim = "WinSDK"
let winSDKShimDependencies: [Target.Dependency] = ["Win32Surface", .target(name: "ucrt")]
let ucrtShim = "ucrt"
let ucrtShimDependencies: [Target.Dependency] = ["Win32Surface", "IOKernel", "CRuntime"]
let crtShim = "CRT"
let crtShimDependencies: [Target.Dependency] = [.target(name: "ucrt")]
#endif

let package = Package(
    name: "overlapped-sim",
    products: [
        .library(name: "IOKernel", targets: ["IOKernel"]),
        .library(name: "Win32Surface", targets: ["Win32Surface"]),
        .library(name: "WinSDK", targets: [winSDKShim]),
        .library(name: "ucrt", targets: [ucrtShim]),
        .library(name: "CRT", targets: [crtShim]),
        .library(name: "IOScenarios", targets: ["IOScenarios"]),
        .library(name: "IOSimXCTest", targets: ["IOSimXCTest"]),
        .library(name: "IOSimTesting", targets: ["IOSimTesting"]),
        .executable(name: "iosim", targets: ["iosim"]),
        .executable(name: "iosim-bench", targets: ["iosim-bench"]),
    ],
    targets: [
        // The Win32 struct, typedef and macro declarations, in C so that they import exactly as
        // WinSDK's do (anonymous unions, `@convention(c)` callbacks, macro types).
        .target(name: "CWin32"),
        // The host side of simulated threads (a futex baton, the current thread in a C
        // `_Thread_local`): what Swift cannot express.
        .target(name: "CHostThreads"),
        // The bare C model of an overlapped round trip that iosim-bench compares the simulator with.
        .target(name: "CBareModel"),
        // The Swift runtime's global-executor hooks, installed from C (their functions use the
        // Swift calling convention, which C spells `swiftcall`): how task jobs reach a simulation.
        .target(name: "CConcurrencyHooks"),
        // The simulated NT kernel: object manager, I/O manager, IRPs, drivers, virtual time.
        .target(name: "IOKernel", dependencies: ["CHostThreads", "CConcurrencyHooks"]),
        // The Win32 API as free functions, shaped like the Swift import of WinSDK.
        .target(name: "Win32Surface", dependencies: ["IOKernel", "CWin32"]),
        // `import WinSDK` on Linux and macOS: re-exports Win32Surface under WinSDK's name.
        .target(name: winSDKShim, dependencies: winSDKShimDependencies, path: "Sources/WinSDK"),
        // `import ucrt`: the C runtime's descriptors, errno and threads over the simulation
        // (WinSDK re-exports it, as `import WinSDK` brings the CRT's names on Windows).
        .target(name: ucrtShim, dependencies: ucrtShimDependencies, path: "Sources/ucrt"),
        // `import CRT`: the name of the Windows SDK's Swift overlay of ucrt, which re-exports it.
        .target(name: crtShim, dependencies: crtShimDependencies, path: "Sources/CRT"),
        // The CRT functions ucrt declares in C (see CRuntime.h).
        .target(name: "CRuntime"),
        // The stories of the seed documents as runnable scenarios (used by `iosim` and the tests).
        .target(name: "IOScenarios", dependencies: ["IOKernel", "Win32Surface"]),
        // XCTest helpers: a simulation whose memory violations or unclean finish fail the test.
        .target(name: "IOSimXCTest", dependencies: ["IOKernel"]),
        // The same for Swift Testing: an unclean simulation records an issue.
        .target(name: "IOSimTesting", dependencies: ["IOKernel"]),
        // The VOPR: a seeded random workload over the whole surface, invariants checked after
        // every call (`iosim vopr`, the benchmark, CI).
        .target(name: "IOVOPR", dependencies: ["IOKernel", "Win32Surface"]),
        .executableTarget(name: "iosim", dependencies: ["IOScenarios", "IOKernel", "Win32Surface", "IOVOPR"]),
        .executableTarget(name: "iosim-bench", dependencies: ["IOKernel", "Win32Surface", "CBareModel", "IOVOPR"]),
        .testTarget(name: "IOKernelTests", dependencies: ["IOKernel"]),
        // Code shaped like real Windows packages' sources, compiled against `import WinSDK`
        // with warnings as errors: every name the shim adds, used the way such code uses it.
        .testTarget(name: "WinSDKCompileTests", dependencies: [.target(name: winSDKShim), .target(name: crtShim), "IOKernel", "IOSimXCTest"],
                    swiftSettings: [.unsafeFlags(["-warnings-as-errors"])]),
        .testTarget(name: "ScenarioTests", dependencies: ["IOKernel", "Win32Surface", "IOScenarios", "IOSimXCTest", "IOSimTesting", "IOVOPR"]),
    ],
    swiftLanguageModes: [.v6]
)
