import Causeway
import CausewayStore
import Foundation
import KafkaBroker
import KafkaClient
import KafkaProtocol
import Logging
import NIOCore

/// The steps of `causeway demo`, each explained as it runs.
struct DemoScenario {
    let source: EmbeddedCluster
    let destination: EmbeddedCluster
    let records: Int
    let duration: Duration
    /// The link's checkpoint store (a file in the demo's data directory).
    let storePath: String
    let logger: Logger

    private let display = DemoDisplay()

    func run() async throws -> Bool {
        let sourceClient = KafkaClient(configuration: KafkaClientConfiguration(bootstrap: source.bootstrapServers)!, logger: logger)
        let destinationClient = KafkaClient(configuration: KafkaClientConfiguration(bootstrap: destination.bootstrapServers)!, logger: logger)
        defer {
            Task { [sourceClient, destinationClient] in
                await sourceClient.shutdown()
                await destinationClient.shutdown()
            }
        }
        display.heading("1. Two clusters")
        display.say("source:      2 brokers at \(source.bootstrapServers)")
        display.say("destination: 1 broker  at \(destination.bootstrapServers)")

        display.heading("2. Topics and a producer on the source")
        _ = try await sourceClient.createTopics(Self.topics.map { NewTopic(name: $0.name, partitions: Int32($0.partitions)) })
        let logStart = try await DemoProducer.writeTrimmedTopic(sourceClient, records: 2_000)
        display.say("demo.orders  4 partitions, an idempotent producer (sequenced batches)")
        display.say("demo.clicks  3 partitions, plain batches")
        display.say("demo.archive 1 partition whose first \(logStart) offsets were deleted (log start \(logStart))")
        display.say("demo.payments 2 partitions, a transactional producer: every fourth transaction aborted")
        display.say("batches cycle through none, gzip, snappy, lz4 and zstd")

        display.heading("3. A live link: demo.* -> destination")
        let link = LinkConfiguration(
            name: "demo", source: clusterConfiguration(source),
            destinations: [DestinationConfiguration(name: "destination", cluster: clusterConfiguration(destination))],
            topics: TopicSelection(include: [.prefix("demo.")], discoveryInterval: .milliseconds(500)),
            fetch: FetchTuning(maxWait: .milliseconds(100)))
        let store = try SQLiteCheckpointStore(path: storePath, link: link.name)
        let engine = LinkEngine(configuration: link, store: store, logger: logger)
        let progress = DemoProducer.Progress()
        let producer = DemoProducer(client: sourceClient, records: records, duration: duration)
        let started = ContinuousClock.now
        let caughtUp = try await withThrowingTaskGroup(of: Void.self) { group -> Bool in
            group.addTask { await engine.run() }
            group.addTask { try await producer.run(progress: progress) }
            let caughtUp = await followProgress(engine: engine, progress: progress)
            guard caughtUp else {
                group.cancelAll()
                return false
            }
            // The producer is done and the destination caught up: verify with the link
            // still running, then fail over.
            display.heading("4. Verification: every offset, every byte")
            let identical = try await verify(sourceClient, destinationClient)
            display.heading("5. Failover: the source site is lost")
            source.stop()
            // What `causeway failover` does: the running engine stops the mirrors and
            // confirms through the store, and the receipt is written there.
            var failover = Failover(configuration: link, store: store, logger: logger)
            failover.sourceTimeout = .seconds(2)
            let receipt = try await failover.run(topics: [])
            group.cancelAll()
            try? await group.waitForAll()
            printReceipt(receipt)
            try await continueOnDestination(destinationClient)
            return identical
        }
        let elapsed = started.duration(to: .now)
        display.heading(caughtUp ? "Done in \(elapsed.formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1))))" : "Demo failed")
        return caughtUp
    }

    private func clusterConfiguration(_ cluster: EmbeddedCluster) -> ClusterConfiguration {
        ClusterConfiguration(bootstrap: cluster.nodes.map { .init(host: $0.host, port: $0.port) }, clientID: "causeway-demo")
    }

    /// Shows produced and mirrored counts until the producer is done and every partition
    /// has caught up. False if that takes more than two minutes.
    /// The demo's topics; `DemoProducer` writes to them.
    static let topics: [(name: String, partitions: Int)] = [
        ("demo.orders", 4), ("demo.clicks", 3), ("demo.archive", 1), ("demo.payments", 2),
    ]

    private func followProgress(engine: LinkEngine, progress: DemoProducer.Progress) async -> Bool {
        let clock = ContinuousClock()
        let deadline = clock.now.advanced(by: .seconds(120))
        while clock.now < deadline {
            let status = engine.status
            let mirrored = status.reduce(Int64(0)) { $0 + max(0, $1.destinationLogEnd) }
            let lag = status.reduce(Int64(0)) { $0 + $1.lagRecords }
            let unhealthy = status.filter { ["FAILED", "DIVERGED"].contains($0.state) }
            display.progress("produced \(progress.count)/\(records)   mirrored partitions \(status.count)   destination offsets \(mirrored)   lag \(lag) records")
            if !unhealthy.isEmpty {
                display.endProgress()
                display.say("partitions stopped: \(unhealthy.map { "\($0.topic)-\($0.partition) \($0.state) \($0.reason ?? "")" })")
                return false
            }
            if progress.count >= records, status.count == Self.topics.reduce(0, { $0 + $1.partitions }), lag == 0, status.allSatisfy({ $0.state == "MIRRORING" }) {
                display.endProgress()
                display.say("caught up: every destination partition ends where its source does (\(mirrored) offsets in all)")
                return true
            }
            try? await Task.sleep(for: .milliseconds(250))
        }
        display.endProgress()
        display.say("the link did not catch up within two minutes:")
        display.say(StatusTable.render(engine.status))
        return false
    }

    private func verify(_ source: KafkaClient, _ destination: KafkaClient) async throws -> Bool {
        let verifier = PartitionVerifier(source: source, destination: destination)
        var rows = [["PARTITION", "OFFSETS", "IDENTICAL BATCHES", "REWRITTEN", "FIDELITY", "RESULT"]]
        var allIdentical = true
        for (topic, partitions) in Self.topics {
            for partition in 0..<partitions {
                let comparison = try await verifier.compare(TopicPartitionID(topic, Int32(partition)))
                allIdentical = allIdentical && comparison.isIdentical
                rows.append([
                    "\(topic)-\(partition)", "\(comparison.sourceLogStart)..<\(comparison.sourceHighWatermark)",
                    "\(comparison.identicalBatches)", "\(comparison.recordIdenticalBatches)", comparison.fidelity,
                    comparison.isIdentical ? "identical" : "DIFFERENT: \(comparison.differences.prefix(3))",
                ])
            }
        }
        display.table(rows)
        display.say(allIdentical
            ? "every record is at its source offset; in `exact` partitions every batch's bytes 21..end (CRC included) are the source's;\n"
                + "   demo.payments is replayed in Causeway's own transactions: same records, same markers at the same offsets, same outcomes"
            : "DIFFERENCES FOUND")
        return allIdentical
    }

    private func printReceipt(_ outcome: Failover.Outcome) {
        display.say("the source cluster is stopped; `causeway failover` (daemon: \(outcome.daemon)); receipt per partition:")
        var rows = [["PARTITION", "LAST SOURCE HW", "DESTINATION END", "POSSIBLY LOST"]]
        for line in outcome.receipts {
            rows.append(["\(line.topic)-\(line.partition)", "\(line.sourceHighWatermark)", "\(line.destinationLogEnd)", "\(line.recordsPossiblyLost)"])
        }
        display.table(rows)
    }

    /// Producers move to the destination: new records land right after the mirrored
    /// ones, and a consumer resumes at the offset it had committed on the source.
    private func continueOnDestination(_ client: KafkaClient) async throws {
        let partition = TopicPartitionID("demo.orders", 0)
        let end = try await client.listOffsets([partition: .latest])[partition]!.get().offset
        var builder = RecordBatchBuilder(baseTimestamp: Int64(Date().timeIntervalSince1970 * 1000))
        for index in 0..<3 {
            builder.append(
                key: ByteBuffer(string: "order-after-failover-\(index)"), value: ByteBuffer(string: "{\"written\":\"on the destination\"}"),
                headers: [], timestampDelta: Int64(index), offsetDelta: Int32(index), attributes: 0)
        }
        let result = try await client.produce([partition: try builder.build().bytes], to: client.leader(of: partition))
        let assigned = result[partition]?.baseOffset ?? -1
        display.say("producers switch to the destination: 3 new records on \(partition) land at offsets \(assigned)..<\(assigned + 3), right after the mirrored \(end)")

        let committed = end - 2
        var session = FetchSessionState(sessionless: true)
        let (_, fetched) = try await client.fetch(
            [partition: .init(offset: committed, maxBytes: 1 << 20)], from: client.leader(of: partition), session: &session,
            maxWait: .zero, minBytes: 0)
        var lines: [String] = []
        var iterator = RecordBatchSequence(fetched[partition]?.records ?? ByteBuffer()).makeIterator()
        while let batch = try iterator.next() {
            for record in try batch.records(maxDecompressedSize: 64 << 20) where record.offset(in: batch) >= committed {
                let key = record.key.map { String(buffer: $0) } ?? "null"
                lines.append("  offset \(record.offset(in: batch))  \(key)")
            }
        }
        display.say("a consumer that committed offset \(committed) on the source resumes at \(committed) here, no translation:")
        for line in lines.prefix(5) { display.say(line) }
    }
}
