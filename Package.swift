// swift-tools-version:6.0
import PackageDescription

let package = Package(
    name: "overlapped-sim",
    products: [
        .library(name: "IOKernel", targets: ["IOKernel"]),
        .library(name: "Win32Surface", targets: ["Win32Surface"]),
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
        // The simulated NT kernel: object manager, I/O manager, IRPs, drivers, virtual time.
        .target(name: "IOKernel"),
        // The Win32 API as free functions, shaped like the Swift import of WinSDK.
        .target(name: "Win32Surface", dependencies: ["IOKernel", "CWin32"]),
        // The stories of the seed documents as runnable scenarios (used by `iosim` and the tests).
        .target(name: "IOScenarios", dependencies: ["IOKernel", "Win32Surface"]),
        // XCTest helpers: a simulation whose memory violations or unclean finish fail the test.
        .target(name: "IOSimXCTest", dependencies: ["IOKernel"]),
        // The same for Swift Testing: an unclean simulation records an issue.
        .target(name: "IOSimTesting", dependencies: ["IOKernel"]),
        .executableTarget(name: "iosim", dependencies: ["IOScenarios", "IOKernel", "Win32Surface"]),
        .executableTarget(name: "iosim-bench", dependencies: ["IOKernel", "Win32Surface"]),
        .testTarget(name: "IOKernelTests", dependencies: ["IOKernel"]),
        .testTarget(name: "ScenarioTests", dependencies: ["IOKernel", "Win32Surface", "IOScenarios", "IOSimXCTest", "IOSimTesting"]),
    ],
    swiftLanguageModes: [.v6]
)
