import KafkaProtocol
import NIOCore
import Testing
@testable import KafkaBroker

/// One test per rule of KAFKA-RULES.md "What the broker checks on a Produce" and
/// FINDINGS b, with Kafka's error code.
@Suite struct ProduceValidatorTests {
    typealias T = ProduceTesting

    // MARK: The plain path

    @Test func plainBatchIsKeptAsSent() throws {
        let batch = try T.batch()
        let validated = try T.accepted(batch.bytes)
        #expect(validated.rewrite == .none)
        #expect(validated.bytes == batch.bytes)
        #expect(validated.logAppendTime == -1)
        #expect(validated.maxTimestamp == T.now)
        #expect(validated.recordCount == 3)
    }

    @Test func everyCodecIsKeptWhenTheTopicSaysProducer() throws {
        for codec in CompressionCodec.allCases {
            let batch = try T.batch(codec: codec)
            let validated = try T.accepted(batch.bytes)
            #expect(validated.rewrite == .none, "\(codec)")
            #expect(T.crcCovered(validated.bytes) == T.crcCovered(batch.bytes), "\(codec)")
        }
    }

    // MARK: Request rules (KAFKA-RULES 1)

    @Test func twoBatchesForOnePartitionAreInvalid() throws {
        var records = try T.batch().bytes
        records.writeImmutableBuffer(try T.batch().bytes)
        let rejection = try #require(T.rejection(records))
        #expect(rejection.code == .invalidRecord)
        #expect(!rejection.reportsLogStartOffset)
    }

    @Test func recordsOfZeroBytesAreInvalid() {
        #expect(T.rejection(ByteBuffer())?.code == .invalidRecord)
        #expect(T.validator().validate(nil, request: T.request(), nowMilliseconds: T.now).failure?.code == .invalidRecord)
    }

    @Test func truncatedOnlyBatchIsNoBatch() throws {
        let bytes = try T.batch().bytes
        #expect(T.rejection(bytes.getSlice(at: 0, length: bytes.readableBytes - 1)!)?.code == .invalidRecord)
    }

    @Test func trailingPartialBatchIsDropped() throws {
        let batch = try T.batch()
        var records = batch.bytes
        records.writeImmutableBuffer(try T.batch().bytes.getSlice(at: 0, length: 30)!)
        #expect(try T.accepted(records).bytes == batch.bytes)
    }

    @Test func onlyMagic2IsAccepted() throws {
        let batch = try T.batch()
        #expect(T.rejection(T.patched(batch, at: 16, Int8(1), fixCRC: false))?.code == .invalidRecord)
        #expect(T.rejection(T.patched(batch, at: 16, Int8(0), fixCRC: false))?.code == .invalidRecord)
        #expect(T.rejection(T.patched(batch, at: 16, Int8(3), fixCRC: false))?.code == .corruptMessage)
    }

    @Test func zstdNeedsProduceVersion7() throws {
        let batch = try T.batch(codec: .zstd)
        #expect(T.rejection(batch.bytes, request: T.request(version: 6))?.code == .unsupportedCompressionType)
        #expect(try T.accepted(batch.bytes, request: T.request(version: 7)).rewrite == .none)
        #expect(try T.accepted(try T.batch(codec: .gzip).bytes, request: T.request(version: 3)).rewrite == .none)
    }

    // MARK: Transactions (KAFKA-RULES 6, Transactions; FINDINGS b, f)

    @Test func transactionalBatchNeedsATransactionalId() throws {
        let batch = try T.batch(producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: true)
        let rejection = try #require(T.rejection(batch.bytes))
        #expect(rejection.code == .transactionalIdAuthorizationFailed)
        #expect(!rejection.reportsLogStartOffset)
        #expect(ProduceValidator.containsTransactionalBatch(batch.bytes))
        #expect(!ProduceValidator.containsTransactionalBatch(try T.batch().bytes))
    }

    @Test func transactionalBatchOutsideATransactionIsAnUnknownMapping() throws {
        let batch = try T.batch(producerId: 7, producerEpoch: 0, baseSequence: 0, isTransactional: true)
        let rejection = try #require(T.rejection(batch.bytes, request: T.request(transactionalId: "cf-no-such-txn")))
        #expect(rejection.code == .invalidProducerIdMapping)
        #expect(!rejection.reportsLogStartOffset)
        let validated = try T.accepted(batch.bytes, request: T.request(transactionalId: "t", inTransaction: true))
        #expect(validated.isTransactional)
    }

    @Test func controlBatchIsRefused() throws {
        let commit = try RecordBatchBuilder.controlBatch(
            ControlRecord(type: .commit), producerId: 5, producerEpoch: 0, timestamp: T.now)
        // As real markers are (transactional + control): 53 without a transactional id.
        #expect(T.rejection(commit.bytes)?.code == .transactionalIdAuthorizationFailed)
        // The control bit alone: "Clients are not allowed to write control records".
        let controlOnly = try T.batch(count: 1) { $0.isControl = true }
        let rejection = try #require(T.rejection(controlOnly.bytes))
        #expect(rejection.code == .invalidRecord)
        #expect(rejection.message.hasPrefix("Clients are not allowed to write control records"))
        // In a transaction, the marker still gets 87.
        let inTransaction = T.request(transactionalId: "t", inTransaction: true)
        #expect(T.rejection(commit.bytes, request: inTransaction)?.code == .invalidRecord)
    }

    // MARK: Log rules (KAFKA-RULES 2-5, 7)

    @Test func baseOffsetMustBeZero() throws {
        for codec in [CompressionCodec.none, .gzip] {
            let bytes = T.patched(try T.batch(codec: codec), at: 0, Int64(1000), fixCRC: false)
            let rejection = try #require(T.rejection(bytes))
            #expect(rejection.code == .invalidRecord)
            #expect(rejection.reportsLogStartOffset)
            #expect(rejection.message.hasSuffix("should be 0, but it is 1000"))
        }
    }

    @Test func batchAboveMaxMessageBytesIsTooLarge() throws {
        let batch = try T.batch()
        let settings = ProduceSettings(maxMessageBytes: batch.sizeInBytes - 1)
        let rejection = try #require(T.rejection(batch.bytes, settings: settings))
        #expect(rejection.code == .messageTooLarge)
        #expect(!rejection.reportsLogStartOffset)
        #expect(try T.accepted(batch.bytes, settings: ProduceSettings(maxMessageBytes: batch.sizeInBytes)).rewrite == .none)
    }

    @Test func crcMismatchIsCorrupt() throws {
        let batch = try T.batch()
        for index in [17, 21, 61, batch.sizeInBytes - 1] {
            let rejection = try #require(T.rejection(T.flipping(batch.bytes, at: index)))
            #expect(rejection.code == .corruptMessage, "byte \(index)")
            #expect(!rejection.reportsLogStartOffset)
        }
    }

    @Test func undefinedCodecIsAnUnknownServerError() throws {
        let bytes = T.patched(try T.batch(), at: 21, Int16(5))
        #expect(T.rejection(bytes)?.code == .unknownServerError)
        #expect(T.rejection(bytes, request: T.request(version: 6))?.code == .unknownServerError)
    }

    @Test func lastOffsetDeltaMustMatchTheCount() throws {
        let gap = try T.batch(offsetDeltas: [0, 2, 5]) { $0.lastOffsetDelta = 5 }
        let rejection = try #require(T.rejection(gap.bytes))
        #expect(rejection.code == .invalidRecord)
        #expect(rejection.message.hasPrefix("Inconsistent batch offset range [0, 5] and count of records 3"))
    }

    @Test func emptyBatchIsInvalid() throws {
        let empty = try T.batch(count: 0)
        #expect(T.rejection(empty.bytes)?.message.hasPrefix("Invalid reported count for record batch: 0") == true)
        let minusOne = try T.batch(count: 0) { $0.lastOffsetDelta = -1 }
        #expect(T.rejection(minusOne.bytes)?.message.hasPrefix("Batch has an invalid offset range: [0, -1]") == true)
        #expect(T.rejection(minusOne.bytes)?.code == .invalidRecord)
    }

    @Test func producerIdNeedsASequence() throws {
        let batch = try T.batch(producerId: 42, producerEpoch: 0, baseSequence: -1)
        let rejection = try #require(T.rejection(batch.bytes))
        #expect(rejection.code == .invalidRecord)
        #expect(rejection.message.hasPrefix("Invalid sequence number -1"))
    }

    @Test func recordsThatDoNotParseAreInvalid() throws {
        // Count says 4 but the section holds 3 records; CRC recomputed so it is valid.
        let bytes = T.patched(try T.batch(), at: 57, Int32(4))
        let lying = T.patched(try RecordBatch(validating: bytes), at: 23, Int32(3))
        #expect(T.rejection(lying)?.code == .invalidRecord)
    }

    @Test func corruptCompressedDataIsCorrupt() throws {
        let batch = try T.batch(codec: .gzip)
        // Damage the compressed block and recompute the CRC: the client sent garbage.
        var bytes = T.flipping(batch.bytes, at: batch.sizeInBytes - 6)  // inside the gzip trailer (CRC-32)
        let crc = CRC32C.checksum(bytes, at: 21, length: bytes.readableBytes - 21)!
        bytes.setInteger(crc, at: 17)
        #expect(T.rejection(bytes)?.code == .corruptMessage)
    }

    @Test func decompressionIsBounded() throws {
        var builder = RecordBatchBuilder(baseTimestamp: T.now, codec: .gzip)
        builder.append(key: T.buffer("k"), value: ByteBuffer(repeating: 0, count: 1 << 20))
        let bomb = try builder.build()
        let rejection = T.rejection(bomb.bytes, settings: ProduceSettings(maxDecompressedSize: 64 * 1024))
        #expect(rejection?.code == .corruptMessage)
    }

    // MARK: Keys in compacted topics (KAFKA-RULES 8)

    @Test func compactedTopicRefusesNullKeys() throws {
        let batch = try T.batch(nullKeyAt: [1])
        let rejection = try #require(T.rejection(batch.bytes, settings: ProduceSettings(isCompacted: true)))
        #expect(rejection.code == .invalidRecord)
        #expect(rejection.recordErrors.map(\.batchIndex) == [1])
        #expect(rejection.recordErrors.first?.message
            == "Compacted topic cannot accept message without key in topic partition orders-0")
        #expect(rejection.errorMessage == rejection.message)
        #expect(rejection.reportsLogStartOffset)
        // Keyed records and tombstones (null value) are fine; gzip too.
        #expect(try T.accepted(try T.batch(codec: .gzip).bytes, settings: ProduceSettings(isCompacted: true)).rewrite == .none)
        #expect(T.rejection(try T.batch(codec: .lz4, nullKeyAt: [0, 2]).bytes, settings: ProduceSettings(isCompacted: true))?
            .recordErrors.map(\.batchIndex) == [0, 2])
    }

    // MARK: Timestamps (KAFKA-RULES 9)

    @Test func timestampOutsideTheWindowIsInvalid() throws {
        let twoHours: Int64 = 7_200_000
        let batch = try T.batch(count: 2, timestampDeltas: [0, twoHours])
        let rejection = try #require(T.rejection(batch.bytes))
        #expect(rejection.code == .invalidTimestamp)
        #expect(rejection.recordErrors.map(\.batchIndex) == [1])
        #expect(rejection.errorMessage == "One or more records have been rejected due to invalid timestamp")
        // Kafka's bounds, with Java's wrap-around for the default before.max of Long.MAX.
        #expect(rejection.recordErrors[0].message
            == "Timestamp \(T.now + twoHours) of message with offset 1 is out of range. The timestamp should be within "
            + "[\(T.now &- Int64.max), \(T.now + 3_600_000)]")
        // message.timestamp.before.max.ms.
        let old = try T.batch(count: 1, baseTimestamp: T.now - 10_000)
        #expect(T.rejection(old.bytes, settings: ProduceSettings(timestampBeforeMaxMs: 5_000))?.code == .invalidTimestamp)
        #expect(try T.accepted(old.bytes, settings: ProduceSettings(timestampBeforeMaxMs: 10_000)).rewrite == .none)
    }

    @Test func timestampMinusOneIsNotChecked() throws {
        let batch = try T.batch(count: 2, baseTimestamp: -1)
        #expect(try T.accepted(batch.bytes).maxTimestamp == -1)
    }

    @Test func timestampErrorsWinOverKeyErrors() throws {
        let batch = try T.batch(count: 2, timestampDeltas: [0, 7_200_000], nullKeyAt: [0])
        let rejection = try #require(T.rejection(batch.bytes, settings: ProduceSettings(isCompacted: true)))
        #expect(rejection.code == .invalidTimestamp)
        #expect(rejection.recordErrors.map(\.batchIndex) == [0, 1])
    }

    @Test func timestampsAreNotCheckedInLogAppendTimeTopics() throws {
        let batch = try T.batch(count: 1, baseTimestamp: T.now + 86_400_000)
        #expect(try T.accepted(batch.bytes, settings: ProduceSettings(timestampType: .logAppendTime)).rewrite == .header)
    }

    // MARK: Timestamp type rewrites (KAFKA-RULES 10)

    @Test func logAppendTimeBitIsClearedInCreateTimeTopics() throws {
        for codec in [CompressionCodec.none, .gzip] {
            let batch = try T.batch(codec: codec, timestampType: .logAppendTime, timestampDeltas: [0, 5, 10])
            let validated = try T.accepted(batch.bytes)
            let stored = try RecordBatch(validating: validated.bytes)
            #expect(validated.rewrite == .header)
            #expect(stored.timestampType == .createTime)
            #expect(stored.attributes.codec == codec)
            #expect(stored.maxTimestamp == batch.maxTimestamp)
            #expect(stored.computeCRC() == stored.crc)
            #expect(stored.recordsSection == batch.recordsSection)
            #expect(validated.logAppendTime == -1)
        }
    }

    @Test func createTimeBatchIntoLogAppendTimeTopicGetsTheAppendTime() throws {
        let settings = ProduceSettings(timestampType: .logAppendTime)
        for codec in [CompressionCodec.none, .gzip] {
            let batch = try T.batch(codec: codec, baseTimestamp: T.now - 3_600_000, timestampDeltas: [0, 7, 14])
            let validated = try T.accepted(batch.bytes, settings: settings)
            let stored = try RecordBatch(validating: validated.bytes)
            #expect(stored.timestampType == .logAppendTime)
            #expect(stored.maxTimestamp == T.now)
            #expect(stored.baseTimestamp == batch.baseTimestamp)
            #expect(stored.recordsSection == batch.recordsSection)
            #expect(stored.computeCRC() == stored.crc)
            #expect(validated.logAppendTime == T.now)
            #expect(validated.maxTimestamp == T.now)
        }
    }

    @Test func logAppendTimeBatchIntoLogAppendTimeTopicIsRefused() throws {
        let batch = try T.batch(count: 2, timestampType: .logAppendTime)
        let rejection = try #require(T.rejection(batch.bytes, settings: ProduceSettings(timestampType: .logAppendTime)))
        #expect(rejection.code == .invalidTimestamp)
        #expect(rejection.recordErrors.map(\.batchIndex) == [0, 1])
    }

    @Test func maxTimestampIsSetToTheLargestRecordTimestamp() throws {
        // A header whose maxTimestamp disagrees with the records is corrected, as
        // Kafka's setMaxTimestamp does.
        let batch = try T.batch(timestampDeltas: [0, 9, 3]) { $0.maxTimestamp = T.now + 1 }
        let validated = try T.accepted(batch.bytes)
        let stored = try RecordBatch(validating: validated.bytes)
        #expect(validated.rewrite == .header)
        #expect(stored.maxTimestamp == T.now + 9)
        #expect(stored.computeCRC() == stored.crc)
    }

    // MARK: Rebuilds (KAFKA-RULES 12)

    @Test func batchIsRecompressedToTheTopicCodec() throws {
        let batch = try T.batch(codec: .gzip, timestampDeltas: [0, 4, 2])
        for (setting, codec) in [("zstd", CompressionCodec.zstd), ("lz4", .lz4), ("snappy", .snappy), ("uncompressed", .none)] {
            let settings = ProduceSettings(targetCodec: ProduceSettings.codec(compressionType: setting))
            let validated = try T.accepted(batch.bytes, settings: settings)
            let stored = try RecordBatch(validating: validated.bytes)
            #expect(validated.rewrite == .rebuilt, "\(setting)")
            #expect(stored.codec == codec, "\(setting)")
            #expect(stored.computeCRC() == stored.crc)
            #expect(stored.lastOffsetDelta == 2 && stored.recordCount == 3)
            #expect(stored.baseTimestamp == batch.baseTimestamp && stored.maxTimestamp == T.now + 4)
            let records = try stored.records(maxDecompressedSize: 1 << 20)
            let original = try batch.records(maxDecompressedSize: 1 << 20)
            #expect(records.map(\.offsetDelta) == [0, 1, 2])
            #expect(records.map(\.key) == original.map(\.key) && records.map(\.value) == original.map(\.value))
            #expect(records.map { $0.timestamp(in: stored) } == original.map { $0.timestamp(in: batch) })
        }
        // Same codec: kept.
        let same = ProduceSettings(targetCodec: .gzip)
        #expect(try T.accepted(batch.bytes, settings: same).rewrite == .none)
    }

    @Test func uncompressedBatchIntoACompressedTopicIsCompressed() throws {
        let batch = try T.batch(producerId: 9, producerEpoch: 2, baseSequence: 40)
        let validated = try T.accepted(batch.bytes, settings: ProduceSettings(targetCodec: .zstd))
        let stored = try RecordBatch(validating: validated.bytes)
        #expect(stored.codec == .zstd)
        #expect(stored.producerId == 9 && stored.producerEpoch == 2 && stored.baseSequence == 40)
        #expect(validated.producerBatch.lastSequence == 42)
    }

    @Test func uncompressedBatchWithInnerGapsIsStoredAsSent() throws {
        let batch = try T.batch(offsetDeltas: [0, 2, 3]) { $0.lastOffsetDelta = 2 }
        let validated = try T.accepted(batch.bytes)
        #expect(validated.rewrite == .none)
        #expect(validated.bytes == batch.bytes)
    }

    @Test func compressedBatchWithInnerGapsFailsAsKafkaDoes() throws {
        let batch = try T.batch(codec: .gzip, offsetDeltas: [0, 2, 3]) { $0.lastOffsetDelta = 2 }
        let rejection = try #require(T.rejection(batch.bytes))
        #expect(rejection.code == .unknownServerError)
        #expect(rejection.reportsLogStartOffset)
    }

    @Test func batchWithInnerGapsIsRenumberedWhenRecompressed() throws {
        for codec in [CompressionCodec.none, .gzip] {
            let batch = try T.batch(codec: codec, offsetDeltas: [0, 2, 3]) { $0.lastOffsetDelta = 2 }
            let validated = try T.accepted(batch.bytes, settings: ProduceSettings(targetCodec: .lz4))
            let stored = try RecordBatch(validating: validated.bytes)
            #expect(try stored.records(maxDecompressedSize: 1 << 20).map(\.offsetDelta) == [0, 1, 2])
        }
    }

    @Test func rebuiltBatchIsCheckedAgainstMaxMessageBytes() throws {
        // Incompressible values: the uncompressed rebuild is larger than the gzip batch.
        var builder = RecordBatchBuilder(baseTimestamp: T.now, codec: .gzip)
        builder.append(key: T.buffer("k"), value: ByteBuffer(repeating: 7, count: 4000))
        let batch = try builder.build()
        let settings = ProduceSettings(targetCodec: CompressionCodec.none, maxMessageBytes: 1000)
        #expect(T.rejection(batch.bytes, settings: settings)?.code == .messageTooLarge)
    }

    @Test func rebuildIntoLogAppendTimeTopicSetsTheAppendTime() throws {
        let batch = try T.batch(codec: .gzip)
        let settings = ProduceSettings(targetCodec: .zstd, timestampType: .logAppendTime)
        let stored = try RecordBatch(validating: T.accepted(batch.bytes, settings: settings).bytes)
        #expect(stored.timestampType == .logAppendTime && stored.maxTimestamp == T.now && stored.codec == .zstd)
    }

    // MARK: Settings

    @Test func settingsFollowTheTopicConfig() throws {
        var config = TopicConfig()
        #expect(ProduceSettings(topicConfig: config) == ProduceSettings())
        try config.set("cleanup.policy", "compact,delete")
        try config.set("compression.type", "uncompressed")
        try config.set("message.timestamp.type", "LogAppendTime")
        try config.set("max.message.bytes", "5000")
        let settings = ProduceSettings(topicConfig: config)
        #expect(settings.isCompacted)
        #expect(settings.targetCodec == CompressionCodec.none)
        #expect(settings.timestampType == .logAppendTime)
        #expect(settings.maxMessageBytes == 5000)
    }
}

extension Result {
    var failure: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}
