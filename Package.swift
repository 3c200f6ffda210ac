// swift-tools-version:6.2
// vms: a video management system (NVR) for Linux. See README.md and docs/.
import PackageDescription

let package = Package(
  name: "vms",
  platforms: [.macOS(.v14)],
  products: [
    .executable(name: "vms", targets: ["vms"]),
    // For out-of-tree tools such as bench/micro (per-frame detector cost).
    .library(name: "Detectors", targets: ["Detectors"]),
  ],
  dependencies: [
    .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
    .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
    .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
    .package(url: "https://github.com/hummingbird-project/hummingbird-websocket", from: "2.8.1"),
    .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
    .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
    .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
    .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.0"),
    .package(url: "https://github.com/apple/swift-async-algorithms", from: "1.1.4"),
  ],
  targets: [
    // C libraries: module maps and shims only.
    .systemLibrary(name: "CFFmpeg", pkgConfig: "libavformat"),
    .systemLibrary(name: "CYaml", pkgConfig: "yaml-0.1"),
    // OpenCV's headers through `opencv4`, a symlink to /usr/include/opencv4 (Debian's libopencv-dev),
    // and only the three libraries vms uses: pkg-config's `opencv4` would link all 55 modules.
    .target(
      name: "COpenCV",
      exclude: ["opencv4"],
      cxxSettings: [.headerSearchPath("opencv4")],
      linkerSettings: [
        .linkedLibrary("opencv_core"), .linkedLibrary("opencv_imgproc"),
        .linkedLibrary("opencv_video"),
      ]
    ),

    // Pure-logic modules at the bottom of the stack.
    // Identifiers: the camera id rule, shared by VMSConfig and Storage (see CameraID.swift).
    .target(name: "Identifiers"),
    // Timekeeping: time as vms stores it (milliseconds), every conversion written once.
    .target(name: "Timekeeping"),
    .target(name: "Detectors", dependencies: ["COpenCV"]),
    .target(
      name: "Storage",
      dependencies: ["Identifiers", "Timekeeping", .product(name: "GRDB", package: "GRDB.swift")]),
    .target(name: "VMSConfig", dependencies: ["CYaml", "Detectors", "Identifiers"]),

    // Media I/O on FFmpeg: inputs, clip writer, decoder, packets. No actor, index or camera.
    .target(name: "VMSMedia", dependencies: ["CFFmpeg", "Detectors", "Timekeeping", "VMSConfig"]),

    // The engine: cameras, recorders, supervisor, status.
    .target(
      name: "VMSRuntime",
      dependencies: [
        "CFFmpeg", "Detectors", "Storage", "Timekeeping", "VMSConfig", "VMSMedia",
        .product(name: "Logging", package: "swift-log"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "UnixSignals", package: "swift-service-lifecycle"),
      ]
    ),
    // The import of the original program (Mon VMS Web): its cameras, settings, clips, archives.
    .target(
      name: "SeedImport",
      dependencies: [
        "Storage", "Timekeeping", "VMSConfig", "VMSMedia",
        .product(name: "Logging", package: "swift-log"),
      ]
    ),
    .target(
      name: "WebUI",
      dependencies: [
        "VMSRuntime", "Storage", "Timekeeping",
        .product(name: "Hummingbird", package: "hummingbird"),
        .product(name: "HummingbirdWebSocket", package: "hummingbird-websocket"),
        .product(name: "HummingbirdAuth", package: "hummingbird-auth"),
        .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        .product(name: "Crypto", package: "swift-crypto"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOHTTP1", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "AsyncAlgorithms", package: "swift-async-algorithms"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
      ],
      resources: [.copy("Resources/ui")]
    ),
    .executableTarget(
      name: "vms",
      dependencies: [
        "VMSRuntime", "WebUI", "VMSConfig", "Storage", "Detectors", "VMSMedia", "SeedImport",
        "Timekeeping",
        .product(name: "ArgumentParser", package: "swift-argument-parser"),
        .product(name: "Logging", package: "swift-log"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "Metrics", package: "swift-metrics"),
        .product(name: "Prometheus", package: "swift-prometheus"),
      ]
    ),
    // The benchmark's in-process limit (bench/README.md): VMSMedia and what it rests on (FFmpeg,
    // the transport type), no engine, index, web server or detector.
    .executableTarget(
      name: "vms-limit", dependencies: ["CFFmpeg", "Timekeeping", "VMSConfig", "VMSMedia"]),

    .testTarget(name: "DetectorsTests", dependencies: ["Detectors"]),
    .testTarget(name: "StorageTests", dependencies: ["Storage"]),
    .testTarget(name: "TimekeepingTests", dependencies: ["Timekeeping"]),
    .testTarget(name: "VMSConfigTests", dependencies: ["VMSConfig"]),
    // What several test targets share (not a product): real compressed video made in memory, a
    // deadline for a task.
    .target(
      name: "TestSupport", dependencies: ["CFFmpeg", "VMSMedia"], path: "Tests/TestSupport"),
    .testTarget(name: "VMSMediaTests", dependencies: ["VMSMedia", "TestSupport"]),
    .testTarget(name: "SeedImportTests", dependencies: ["SeedImport", "VMSConfig"]),
    .testTarget(
      name: "VMSRuntimeTests",
      dependencies: [
        "VMSRuntime", "VMSMedia", "TestSupport",
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
      ]
    ),
    .testTarget(
      name: "WebUITests",
      dependencies: [
        "WebUI", "TestSupport", "VMSRuntime", "Storage", "VMSConfig", "Detectors",
        .product(name: "HummingbirdTesting", package: "hummingbird"),
        .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
        .product(name: "Prometheus", package: "swift-prometheus"),
        .product(name: "NIOCore", package: "swift-nio"),
        .product(name: "NIOPosix", package: "swift-nio"),
        .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        .product(name: "ServiceLifecycleTestKit", package: "swift-service-lifecycle"),
        .product(name: "GRDB", package: "GRDB.swift"),
      ]
    ),
  ],
  cxxLanguageStandard: .cxx17
)
