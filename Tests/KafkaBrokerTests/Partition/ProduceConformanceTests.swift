import KafkaProtocol
import NIOCore
import Testing
@testable import KafkaBroker

/// Replays the recorded cases of ../shared/kafka-conformance (Produce, DeleteRecords,
/// ListOffsets and Fetch of what was produced) through ``Partition`` and compares the
/// answers with what the real Kafka 4.0 broker said, field by field as the corpus
/// README says to compare them.
@Suite struct ProduceConformanceTests {
    static func replayable(apiKey: Int16) -> [String] {
        RecordedCase.all.filter { $0.replayable && $0.request.apiKey == apiKey && !$0.response.isEmpty }.map(\.name)
    }

    static func broker(for recorded: RecordedCase) throws -> ReplayBroker {
        // A topic exists only if the case created it (b_produce_v9_unknown_topic names one it did not).
        let created = recorded.setup.contains { $0.apiKey == CreateTopicsRequest.apiKey }
        let broker = try ReplayBroker(topicConfigs: created ? recorded.topicConfigs : [:])
        try broker.replaySetup(of: recorded)
        return broker
    }

    @Test func everyKindOfCaseIsCovered() {
        #expect(Self.replayable(apiKey: 0).count >= 40)
        #expect(Self.replayable(apiKey: 0).filter { $0.hasPrefix("b_") }.count >= 30)
        #expect(!Self.replayable(apiKey: 1).isEmpty)
        #expect(!Self.replayable(apiKey: 2).isEmpty)
        #expect(!Self.replayable(apiKey: 21).isEmpty)
    }

    @Test(arguments: replayable(apiKey: 0))
    func produceAnswersAsKafkaDid(name: String) throws {
        let recorded = RecordedCase.named(name)
        let broker = try Self.broker(for: recorded)
        let outcomes = try broker.produce(recorded.request)
        let expected = try recorded.responseBody(as: ProduceResponse.self)
        for topic in expected.responses {
            for answer in topic.partitionResponses {
                let key = TopicPartition(topic: topic.name, partition: answer.index)
                guard let outcome = try #require(outcomes[key], "\(name): no answer for \(key)") else {
                    #expect(answer.errorCode == KafkaErrorCode.unknownTopicOrPartition.rawValue, "\(name)")
                    continue
                }
                var expectedCode = answer.errorCode
                if name.hasSuffix("_transactional_unknown_txn_id") {
                    // Recorded before __transaction_state existed (19 NOT_ENOUGH_REPLICAS);
                    // with the coordinator up, the real broker answers 49 (FINDINGS b, f).
                    #expect(expectedCode == KafkaErrorCode.notEnoughReplicas.rawValue)
                    expectedCode = KafkaErrorCode.invalidProducerIdMapping.rawValue
                }
                #expect(outcome.errorCode.rawValue == expectedCode, "\(name): \(outcome.failureReason ?? "")")
                #expect(outcome.baseOffset == answer.baseOffset, "\(name)")
                #expect((outcome.logAppendTime == -1) == (answer.logAppendTimeMs == -1), "\(name)")
                if outcome.isDuplicate {
                    // The original batch's maxTimestamp, a value from the batch itself.
                    #expect(outcome.logAppendTime == answer.logAppendTimeMs, "\(name)")
                }
                if recorded.request.apiVersion >= 5 {
                    #expect(outcome.logStartOffset == answer.logStartOffset, "\(name)")
                }
                #expect(outcome.recordErrors.map(\.batchIndex) == answer.recordErrors.map(\.batchIndex), "\(name)")
                #expect((outcome.errorMessage == nil) == (answer.errorMessage == nil), "\(name)")
                if let message = answer.recordErrors.first?.batchIndexErrorMessage, name.contains("compact") {
                    #expect(outcome.recordErrors.first?.message == message, "\(name)")
                }
                if answer.errorMessage != nil, name.contains("compact") {
                    #expect(outcome.errorMessage == answer.errorMessage, "\(name)")
                }
            }
        }
    }

    @Test(arguments: replayable(apiKey: 21))
    func deleteRecordsAnswersAsKafkaDid(name: String) throws {
        let recorded = RecordedCase.named(name)
        let broker = try Self.broker(for: recorded)
        let outcomes = try broker.deleteRecords(recorded.request)
        for topic in try recorded.responseBody(as: DeleteRecordsResponse.self).topics {
            for answer in topic.partitions {
                let key = TopicPartition(topic: topic.name, partition: answer.partitionIndex)
                guard let outcome = try #require(outcomes[key], "\(name)") else {
                    #expect(answer.errorCode == KafkaErrorCode.unknownTopicOrPartition.rawValue, "\(name)")
                    continue
                }
                #expect(outcome.errorCode.rawValue == answer.errorCode, "\(name)")
                #expect(outcome.lowWatermark == answer.lowWatermark, "\(name)")
            }
        }
    }

    @Test(arguments: replayable(apiKey: 2))
    func listOffsetsAnswersAsKafkaDid(name: String) throws {
        let recorded = RecordedCase.named(name)
        let broker = try Self.broker(for: recorded)
        let outcomes = try broker.listOffsets(recorded.request)
        for topic in try recorded.responseBody(as: ListOffsetsResponse.self).topics {
            for answer in topic.partitions {
                let key = TopicPartition(topic: topic.name, partition: answer.partitionIndex)
                let found = try #require(outcomes[key], "\(name)")
                #expect(answer.errorCode == 0, "\(name)")
                #expect((found?.offset ?? -1) == answer.offset, "\(name)")
                #expect((found?.timestamp ?? -1) == answer.timestamp, "\(name)")
            }
        }
    }

    /// The stored batches come back as the real broker returned them: bytes 21..end
    /// identical, except where Kafka rewrites (LogAppendTime topics: maxTimestamp and
    /// CRC; recompression: the compressed bytes, which another zstd may encode
    /// differently, so there the records are compared).
    @Test(arguments: replayable(apiKey: 1))
    func fetchReturnsWhatKafkaStored(name: String) throws {
        let recorded = RecordedCase.named(name)
        let broker = try Self.broker(for: recorded)
        let reads = try broker.fetch(recorded.request)
        for topic in try recorded.responseBody(as: FetchResponse.self).responses {
            for answer in topic.partitions {
                let key = TopicPartition(topic: topic.topic, partition: answer.partitionIndex)
                let read = try #require(reads[key], "\(name)")
                if answer.errorCode == KafkaErrorCode.offsetOutOfRange.rawValue {
                    guard case .failure(let error) = read, case .offsetOutOfRange = error.kind else {
                        Issue.record("\(name): expected OFFSET_OUT_OF_RANGE, got \(read)")
                        continue
                    }
                    continue
                }
                #expect(answer.errorCode == 0, "\(name)")
                let result = try read.get()
                #expect(result.highWatermark == answer.highWatermark, "\(name)")
                #expect(result.logStartOffset == answer.logStartOffset, "\(name)")
                let ours = try RecordBatchSequence(result.records).split().batches
                let theirs = try RecordBatchSequence(answer.records ?? ByteBuffer()).split().batches
                #expect(ours.count == theirs.count, "\(name)")
                let logAppendTimeTopic = recorded.topicConfigs[topic.topic]?["message.timestamp.type"] == "LogAppendTime"
                for (mine, real) in zip(ours, theirs) {
                    try compare(
                        mine, real, logAppendTimeTopic: logAppendTimeTopic,
                        recompressingTopic: (recorded.topicConfigs[topic.topic]?["compression.type"] ?? "producer") != "producer",
                        name: name)
                }
            }
        }
    }

    private func compare(
        _ mine: RecordBatch, _ real: RecordBatch, logAppendTimeTopic: Bool, recompressingTopic: Bool, name: String
    ) throws {
        #expect(mine.baseOffset == real.baseOffset, "\(name)")
        #expect(mine.partitionLeaderEpoch == real.partitionLeaderEpoch, "\(name)")
        #expect(mine.lastOffsetDelta == real.lastOffsetDelta, "\(name)")
        #expect(mine.recordCount == real.recordCount, "\(name)")
        #expect(mine.attributes == real.attributes, "\(name)")
        #expect(mine.baseTimestamp == real.baseTimestamp, "\(name)")
        #expect(mine.producerId == real.producerId && mine.producerEpoch == real.producerEpoch, "\(name)")
        #expect(mine.baseSequence == real.baseSequence, "\(name)")
        #expect(mine.computeCRC() == mine.crc, "\(name)")
        if logAppendTimeTopic {
            // The append time is each broker's own clock; the records are untouched.
            #expect(mine.maxTimestamp == RecordedCase.recordedNow, "\(name)")
            #expect(mine.recordsSection == real.recordsSection, "\(name)")
        } else if ProduceTesting.crcCovered(mine.bytes) != ProduceTesting.crcCovered(real.bytes) {
            #expect(try mine.records(maxDecompressedSize: 1 << 20) == real.records(maxDecompressedSize: 1 << 20), "\(name)")
            #expect(mine.maxTimestamp == real.maxTimestamp, "\(name)")
            // Only a recompressed batch may differ in its bytes.
            #expect(recompressingTopic, "\(name): stored bytes differ from Kafka's")
        }
    }
}
