import KafkaClient
import KafkaProtocol
import NIOCore

/// The last records fetched for each partition, kept for the other destinations of a
/// fan-out link, so that each source batch is fetched once even when destinations are
/// not in step (one catching up, another just started).
///
/// Chunks are copied out of the fetch response when cached, so a cached chunk never
/// pins a whole response in memory, and the cache holds at most `capacity` bytes: past
/// that the oldest chunks go, and a destination that needs them fetches again.
/// A chunk is dropped as soon as every destination has asked for an offset past it.
struct FanOutCache {
    struct Chunk {
        var start: Int64
        /// The offset after the last complete batch.
        var end: Int64
        var records: ByteBuffer
        var highWatermark: Int64
        var logStart: Int64
        var sequence: UInt64
    }

    let destinations: Int
    let capacity: Int
    private var chunks: [TopicPartitionID: Chunk] = [:]
    private var positions: [TopicPartitionID: [String: Int64]] = [:]
    private var bytes = 0
    private var nextSequence: UInt64 = 0

    init(destinations: Int, capacity: Int) {
        self.destinations = destinations
        self.capacity = capacity
    }

    var isEnabled: Bool { destinations > 1 && capacity > 0 }

    /// Notes that `destination` now needs `offset`, and returns the cached records from
    /// there on if the cache covers it.
    mutating func lookup(_ partition: TopicPartitionID, destination: String, offset: Int64) -> (ByteBuffer, highWatermark: Int64, logStart: Int64)? {
        guard isEnabled else { return nil }
        positions[partition, default: [:]][destination] = offset
        guard let chunk = chunks[partition] else { return nil }
        let known = positions[partition]!
        if known.count >= destinations, known.values.allSatisfy({ $0 >= chunk.end }) {
            drop(partition)
            return nil
        }
        guard chunk.start <= offset, offset < chunk.end else { return nil }
        return (FetchCoordinator.skip(chunk.records, before: offset), chunk.highWatermark, chunk.logStart)
    }

    /// Keeps a copy of what a fetch returned from `offset`, if another destination may
    /// still need it.
    mutating func store(_ partition: TopicPartitionID, from offset: Int64, records: ByteBuffer, highWatermark: Int64, logStart: Int64) {
        guard isEnabled, records.readableBytes > 0, records.readableBytes <= capacity else { return }
        var end = offset
        var iterator = RecordBatchSequence(records).makeIterator()
        while let batch = try? iterator.next() { end = batch.nextOffset }
        guard end > offset else { return }
        if let known = positions[partition], known.count >= destinations, known.values.allSatisfy({ $0 >= end }) { return }
        drop(partition)
        while bytes + records.readableBytes > capacity, let oldest = chunks.min(by: { $0.value.sequence < $1.value.sequence }) {
            drop(oldest.key)
        }
        // A copy of its own: the cached chunk must not keep the whole response alive.
        let copy = ByteBuffer(bytes: records.readableBytesView)
        chunks[partition] = Chunk(start: offset, end: end, records: copy, highWatermark: highWatermark, logStart: logStart, sequence: nextSequence)
        nextSequence += 1
        bytes += copy.readableBytes
    }

    mutating func forget(_ partition: TopicPartitionID, destination: String) {
        positions[partition]?[destination] = nil
    }

    private mutating func drop(_ partition: TopicPartitionID) {
        if let chunk = chunks.removeValue(forKey: partition) { bytes -= chunk.records.readableBytes }
    }
}
