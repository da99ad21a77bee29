import KafkaProtocol
import NIOCore

/// Measures the codec's hot paths: CRC-32C throughput and what one record batch costs
/// to parse (header, CRC check, records) and to build, per codec.
///
/// Each measurement repeats its work until about `budget` of time has passed and
/// reports the rate; run it in a release build (`swift run -c release causeway bench
/// codec`) for numbers worth comparing.
struct CodecBenchmark {
    var budget: Duration = .milliseconds(500)
    var recordsPerBatch = 100
    var valueSize = 100

    struct Line {
        let name: String
        let value: String
    }

    func run(report: (Line) -> Void) throws {
        report(Line(name: "crc32c implementation", value: CRC32C.implementation))
        for size in [4096, 1 << 20] {
            let bytes = (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ 7) }
            let hardware = bytes.withUnsafeBytes { raw in
                rate(bytes: size) { _ = CRC32C.checksum(raw) }
            }
            let portable = bytes.withUnsafeBytes { raw in
                rate(bytes: size) { _ = CRC32C.portableExtend(0, raw) }
            }
            report(Line(name: "crc32c \(CRC32C.implementation), \(size) B buffers", value: format(gigabytesPerSecond: hardware)))
            report(Line(name: "crc32c portable, \(size) B buffers", value: format(gigabytesPerSecond: portable)))
        }
        let payloads = self.payloads
        for codec in CompressionCodec.allCases {
            let batch = try makeBatch(codec: codec, payloads: payloads)
            let header = timePerOperation {
                _ = try? RecordBatch(validating: batch.bytes)
            }
            let verify = timePerOperation {
                _ = try? batch.verifyCRC()
            }
            let records = timePerOperation {
                _ = try? batch.records(maxDecompressedSize: 16 << 20)
            }
            let build = timePerOperation {
                _ = try? makeBatch(codec: codec, payloads: payloads)
            }
            let label = "\(codec.name) batch, \(recordsPerBatch) x \(valueSize) B records (\(batch.sizeInBytes) B)"
            report(Line(name: "\(label): parse header", value: format(nanoseconds: header)))
            report(Line(name: "\(label): verify CRC", value: format(nanoseconds: verify)))
            report(Line(name: "\(label): decode records", value: format(nanoseconds: records)))
            report(Line(name: "\(label): build", value: format(nanoseconds: build)))
        }
    }

    /// Keys and values made once, so that "build" measures the builder, not the test data.
    private var payloads: [(key: ByteBuffer, value: ByteBuffer)] {
        (0..<recordsPerBatch).map { index in
            let value = (0..<valueSize).map { UInt8(truncatingIfNeeded: ($0 + index) % 23 + 97) }
            return (ByteBuffer(string: "key-\(index)"), ByteBuffer(bytes: value))
        }
    }

    private func makeBatch(codec: CompressionCodec, payloads: [(key: ByteBuffer, value: ByteBuffer)]) throws -> RecordBatch {
        var builder = RecordBatchBuilder(baseTimestamp: 1_700_000_000_000, codec: codec)
        for (index, payload) in payloads.enumerated() {
            builder.append(
                key: payload.key, value: payload.value, headers: [],
                timestampDelta: Int64(index), offsetDelta: Int32(index), attributes: 0)
        }
        return try builder.build()
    }

    /// Bytes per second of `body` over `bytes` bytes.
    private func rate(bytes: Int, _ body: () -> Void) -> Double {
        let perOperation = timePerOperation(body)
        return Double(bytes) / (perOperation / 1e9)
    }

    /// Nanoseconds per call of `body`, averaged over the time budget.
    private func timePerOperation(_ body: () -> Void) -> Double {
        let clock = ContinuousClock()
        for _ in 0..<10 { body() }  // warm up caches and lazy state
        var iterations = 0
        let start = clock.now
        var elapsed = Duration.zero
        while elapsed < budget {
            for _ in 0..<16 { body() }
            iterations += 16
            elapsed = start.duration(to: clock.now)
        }
        let (seconds, attoseconds) = elapsed.components
        return (Double(seconds) * 1e9 + Double(attoseconds) / 1e9) / Double(iterations)
    }

    private func format(gigabytesPerSecond bytesPerSecond: Double) -> String {
        "\((bytesPerSecond / 1e9 * 100).rounded() / 100) GB/s"
    }

    private func format(nanoseconds: Double) -> String {
        nanoseconds >= 10_000 ? "\((nanoseconds / 100).rounded() / 10) µs" : "\(Int(nanoseconds.rounded())) ns"
    }
}
