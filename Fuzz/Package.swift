// swift-tools-version:6.0
import PackageDescription

// libFuzzer targets for the codec. A package of its own because a fuzzer has no
// `main` and only links with `-sanitize=fuzzer`; build and run it with
// `Scripts/fuzz.sh` (or `make fuzz`). SwiftPM links an executable's entry point as
// `<target>_main`, so the fuzzer defines that and hands control to libFuzzer's driver.
let package = Package(
    name: "CausewayFuzz",
    dependencies: [
        .package(name: "Causeway", path: ".."),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
    ],
    targets: [
        .target(name: "CFuzzerDriver"),
        .executableTarget(
            name: "KafkaProtocolFuzzer",
            dependencies: [
                "CFuzzerDriver",
                .product(name: "KafkaProtocol", package: "Causeway"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            swiftSettings: [.unsafeFlags(["-parse-as-library"])]
        )
    ]
)
