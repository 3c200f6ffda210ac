// swift-tools-version:6.2
// Micro-benchmark of the motion detectors: per-frame cost at 320x180, in release.
// Depends on the main package by path and needs its `Detectors` library product:
//   products: [ ..., .library(name: "Detectors", targets: ["Detectors"]) ]
// Build and run: cd bench/micro && flock /tmp/vms-build.lock swift build -c release && .build/release/detector-bench
import PackageDescription

let package = Package(
  name: "vms-micro-bench",
  platforms: [.macOS(.v14)],
  dependencies: [.package(name: "vms", path: "../..")],
  targets: [
    .executableTarget(
      name: "detector-bench",
      dependencies: [.product(name: "Detectors", package: "vms")]
    )
  ]
)
