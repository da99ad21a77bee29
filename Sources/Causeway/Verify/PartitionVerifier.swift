import KafkaClient
import KafkaProtocol
import NIOCore

/// Compares one partition of a source cluster with its mirror, offset by offset.
///
/// Batches at the same base offset whose bytes 21..end are identical (the CRC
/// included, so every record inside is identical) are counted without being decoded.
/// Any other pair is decoded and compared record by record: offset, key, value,
/// headers, timestamp, and the type of transaction markers. Offsets the source no
/// longer holds (compacted away) may hold a filler record on the destination; those
/// are counted as fillers, not as differences.
///
/// The range compared is the source's [log start, high watermark) as read at the
/// start. Source offsets the destination lacks are `missing` (the mirror lags or lost
/// data); destination offsets at or past the source's high watermark are `extra`
/// (someone else wrote to the mirror). Destination offsets below the source's log
/// start are older data the source has deleted since, and are not compared.
/// ``compareMirror(_:upTo:)`` judges a live mirror instead: source offsets past the
/// destination's end are `lag`, not missing (`causeway verify`).
public struct PartitionVerifier: Sendable {
    public static let maximumReportedDifferences = 20

    public let source: KafkaClient
    public let destination: KafkaClient
    /// Called after each batch compared with the partition and the next offset to compare,
    /// for progress reports on long partitions.
    public var progress: (@Sendable (TopicPartitionID, Int64) -> Void)?

    public init(source: KafkaClient, destination: KafkaClient, progress: (@Sendable (TopicPartitionID, Int64) -> Void)? = nil) {
        self.source = source
        self.destination = destination
        self.progress = progress
    }

    /// Compares the partition from the source's log start, or from `start` if it is later,
    /// up to the end, or to `stop` (to check one stretch of a long partition).
    public func compare(_ partition: TopicPartitionID, from start: Int64? = nil, to stop: Int64? = nil) async throws -> PartitionComparison {
        try await walk(partition, from: start, to: stop, tail: stop == nil ? .strict : .none)
    }

    /// Compares a live mirror: up to the destination's log end (or `bound` if lower),
    /// with what the source holds past the destination's end counted as `lag`, not as
    /// missing: a mirror behind its source is late, not wrong. Offsets on the
    /// destination past the source's high watermark are still `extra`: nobody but the
    /// mirror may write there.
    public func compareMirror(_ partition: TopicPartitionID, upTo bound: Int64? = nil) async throws -> PartitionComparison {
        try await walk(partition, from: nil, to: nil, tail: .mirror(bound: bound ?? Int64.max))
    }

    /// What the walk does past the range compared.
    private enum Tail {
        /// A stretch: nothing.
        case none
        /// Source offsets the destination lacks are missing; destination offsets past the source's end are extra.
        case strict
        /// Up to `bound`: source offsets past the destination's end are lag; destination offsets past the source's end are extra.
        case mirror(bound: Int64)
    }

    private func walk(_ partition: TopicPartitionID, from start: Int64?, to requestedStop: Int64?, tail: Tail) async throws -> PartitionComparison {
        var comparison = PartitionComparison(partition: partition)
        let (sourceStart, sourceEnd) = try await bounds(of: partition, on: source)
        let (destinationStart, destinationEnd) = try await bounds(of: partition, on: destination)
        comparison.sourceLogStart = sourceStart
        comparison.sourceHighWatermark = sourceEnd
        comparison.destinationLogStart = destinationStart
        comparison.destinationHighWatermark = destinationEnd

        var position = max(sourceStart, start ?? sourceStart)
        if start == nil, destinationStart > sourceStart {
            let lost = min(destinationStart, sourceEnd) - sourceStart
            for offset in sourceStart..<(sourceStart + min(lost, Int64(PartitionVerifier.maximumReportedDifferences))) {
                comparison.record(.init(offset: offset, kind: .missing, detail: "below the destination's log start \(destinationStart)"))
            }
            comparison.missing += max(0, lost - Int64(PartitionVerifier.maximumReportedDifferences))
            position = destinationStart
        }
        var sourceCursor = BatchCursor(client: source, partition: partition, end: sourceEnd)
        var destinationCursor = BatchCursor(client: destination, partition: partition, end: max(destinationEnd, sourceEnd))
        var limit = requestedStop ?? Int64.max
        if case .mirror(let bound) = tail { limit = bound }
        let end = min(sourceEnd, destinationEnd, limit)
        var rewrittenSourceBatches = Set<Int64>()
        while position < end {
            guard let sourceBatch = try await sourceCursor.batch(at: position) else { break }
            guard let destinationBatch = try await destinationCursor.batch(at: position) else { break }
            if sourceBatch.baseOffset == destinationBatch.baseOffset, sourceBatch.sizeInBytes == destinationBatch.sizeInBytes,
                Self.bytesFromCRCOn(sourceBatch) == Self.bytesFromCRCOn(destinationBatch)
            {
                comparison.identicalBatches += 1
                comparison.comparedRecords += Int64(sourceBatch.recordCount)
                position = sourceBatch.nextOffset
                progress?(partition, position)
                continue
            }
            // Compare the offsets both batches cover from `position` on.
            let stop = min(sourceBatch.nextOffset, destinationBatch.nextOffset, end)
            let sourceRecords = try ComparableRecord.records(of: sourceBatch).filter { $0.offset >= position && $0.offset < stop }
            let destinationRecords = try ComparableRecord.records(of: destinationBatch).filter { $0.offset >= position && $0.offset < stop }
            compare(sourceRecords, destinationRecords, into: &comparison)
            rewrittenSourceBatches.insert(sourceBatch.baseOffset)
            position = stop
            progress?(partition, position)
        }
        comparison.recordIdenticalBatches = rewrittenSourceBatches.count
        // Past the range compared: offsets the walk should have reached but did not are
        // missing; for a live mirror, the source's offsets past the destination's end are lag.
        let reach: Int64
        let extraUpTo: Int64
        switch tail {
        case .none:
            return comparison  // a stretch: what lies past it is not this call's business
        case .strict:
            reach = sourceEnd
            extraUpTo = destinationEnd
        case .mirror(let bound):
            reach = end
            extraUpTo = min(destinationEnd, bound)
            comparison.lag = max(0, min(sourceEnd, bound) - max(destinationEnd, position))
        }
        if position < reach {
            let lacking = reach - position
            comparison.record(.init(offset: position, kind: .missing, detail: "\(lacking) offset(s) up to \(reach) not on the destination"))
            comparison.missing += lacking - 1
        }
        if extraUpTo > sourceEnd {
            let surplus = extraUpTo - sourceEnd
            comparison.record(.init(offset: sourceEnd, kind: .extra, detail: "\(surplus) offset(s) past the source's high watermark"))
            comparison.extra += surplus - 1
        }
        return comparison
    }

    private func compare(_ source: [ComparableRecord], _ destination: [ComparableRecord], into comparison: inout PartitionComparison) {
        var sourceIndex = 0
        var destinationIndex = 0
        while sourceIndex < source.count || destinationIndex < destination.count {
            let left = sourceIndex < source.count ? source[sourceIndex] : nil
            let right = destinationIndex < destination.count ? destination[destinationIndex] : nil
            switch (left, right) {
            case (let left?, let right?) where left.offset == right.offset:
                comparison.comparedRecords += 1
                if let field = left.difference(from: right) {
                    comparison.record(.init(offset: left.offset, kind: .mismatch(field: field), detail: "source and destination records differ"))
                }
                sourceIndex += 1
                destinationIndex += 1
            case (let left?, let right) where right == nil || left.offset < right!.offset:
                comparison.record(.init(offset: left.offset, kind: .missing, detail: "a hole on the destination"))
                sourceIndex += 1
            case (_, let right?):
                if right.isFiller {
                    comparison.fillers += 1
                } else {
                    comparison.record(.init(offset: right.offset, kind: .extra, detail: "the source has no record at this offset"))
                }
                destinationIndex += 1
            default:
                return
            }
        }
    }

    private func bounds(of partition: TopicPartitionID, on client: KafkaClient) async throws -> (Int64, Int64) {
        let offsets = try await client.retrying {
            let results = try await client.listOffsets([partition: .earliest])
            let latest = try await client.listOffsets([partition: .latest])
            return (try results[partition]!.get().offset, try latest[partition]!.get().offset)
        }
        return offsets
    }

    /// Bytes 21..end: everything the CRC covers, and the CRC itself at 17..20 is derived
    /// from them. A broker rewrites only baseOffset (0..7) and the leader epoch (12..15).
    private static func bytesFromCRCOn(_ batch: RecordBatch) -> ByteBufferView {
        batch.bytes.getSlice(at: batch.bytes.readerIndex + 17, length: batch.sizeInBytes - 17)!.readableBytesView
    }
}
