// swift-tools-version:6.0
import PackageDescription

// Causeway links Kafka clusters offset for offset. See ../shared/DESIGN.md for the
// architecture; the folder tree under Sources/ mirrors it.
let package = Package(
    name: "Causeway",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "KafkaProtocol", targets: ["KafkaProtocol"]),
        .library(name: "KafkaBroker", targets: ["KafkaBroker"]),
        .library(name: "KafkaClient", targets: ["KafkaClient"]),
        .library(name: "Causeway", targets: ["Causeway"]),
        .library(name: "CausewayStore", targets: ["CausewayStore"]),
        .executable(name: "causeway", targets: ["causeway"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-crypto.git", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
    ],
    targets: [
        // C shims. The compression libraries come from Debian's -dev packages
        // (zlib1g-dev, libsnappy-dev, liblz4-dev, libzstd-dev).
        .target(name: "CCRC32C"),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        .systemLibrary(name: "CSnappy", providers: [.apt(["libsnappy-dev"])]),
        .systemLibrary(name: "CLZ4", pkgConfig: "liblz4", providers: [.apt(["liblz4-dev"])]),
        .systemLibrary(name: "CZstd", pkgConfig: "libzstd", providers: [.apt(["libzstd-dev"])]),
        .systemLibrary(name: "CSQLite", pkgConfig: "sqlite3", providers: [.apt(["libsqlite3-dev"])]),

        // The checkpoint store and DR control plane: one SQLite file per link.
        .target(name: "CausewayStore", dependencies: ["CSQLite"]),

        // The wire codec: pure, NIOCore only.
        .target(
            name: "KafkaProtocol",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                "CCRC32C", "CZlib", "CSnappy", "CLZ4", "CZstd",
            ]
        ),

        // TLS and SASL shared by the client and the embedded broker: security protocols,
        // TLS contexts (NIOSSL), SASL PLAIN and SCRAM (swift-crypto), redacted secrets.
        .target(
            name: "KafkaSecurity",
            dependencies: [
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "_CryptoExtras", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
            ]
        ),

        // The client: connections, version negotiation, metadata, routing, retries.
        .target(
            name: "KafkaClient",
            dependencies: [
                "KafkaProtocol",
                "KafkaSecurity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        // The embedded Kafka-compatible broker.
        .target(
            name: "KafkaBroker",
            dependencies: [
                "KafkaProtocol",
                "KafkaSecurity",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),

        // The link engine: configuration, partition mirrors, verification, DR.
        .target(
            name: "Causeway",
            dependencies: [
                "KafkaProtocol",
                "KafkaClient",
                "CausewayStore",
                "KafkaSecurity",
                .product(name: "Yams", package: "Yams"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),

        .executableTarget(
            name: "causeway",
            dependencies: [
                "KafkaProtocol",
                "KafkaBroker",
                "KafkaClient",
                "KafkaSecurity",
                "Causeway",
                "CausewayStore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // Fixtures shared by the test targets: embedded clusters on loopback, temp dirs.
        .target(
            name: "TestSupport",
            dependencies: ["KafkaBroker", "KafkaClient", "KafkaProtocol", .product(name: "Logging", package: "swift-log")],
            path: "Tests/TestSupport"
        ),
        .testTarget(
            name: "CausewayTests",
            dependencies: [
                "TestSupport",
                "Causeway",
                "CausewayStore",
                "KafkaClient",
                "KafkaSecurity",
                "KafkaBroker",
                "KafkaProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "CausewayStoreTests", dependencies: ["CausewayStore", "CSQLite"]),
        .testTarget(
            name: "KafkaClientTests",
            dependencies: [
                "TestSupport",
                "KafkaClient",
                "KafkaSecurity",
                "KafkaBroker",
                "KafkaProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "KafkaBrokerTests",
            dependencies: [
                "KafkaBroker",
                "KafkaSecurity",
                "KafkaProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "KafkaSecurityTests",
            dependencies: ["KafkaSecurity"]
        ),
        .testTarget(
            name: "KafkaProtocolTests",
            dependencies: [
                "KafkaProtocol",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            // Golden data derived from ../shared/kafka-conformance, read by path at test time.
            exclude: ["Records/Fixtures"]
        ),
    ]
)
