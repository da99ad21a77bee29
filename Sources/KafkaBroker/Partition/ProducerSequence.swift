/// Sequence number arithmetic: sequences wrap from Int32.max to 0 (Kafka's
/// `DefaultRecordBatch.incrementSequence` / `decrementSequence`).
enum ProducerSequence {
    /// The sequence `increment` records after `sequence`.
    static func increment(_ sequence: Int32, by increment: Int32) -> Int32 {
        if sequence > Int32.max - increment {
            return increment - (Int32.max - sequence) - 1
        }
        return sequence + increment
    }

    /// The sequence `decrement` records before `sequence`.
    static func decrement(_ sequence: Int32, by decrement: Int32) -> Int32 {
        if sequence < decrement {
            return Int32(Int64(sequence) - Int64(decrement) + Int64(Int32.max) + 1)
        }
        return sequence - decrement
    }

    /// Whether `next` may follow `last` (Kafka's `ProducerAppendInfo.inSequence`).
    static func follows(_ next: Int32, after last: Int32) -> Bool {
        Int64(next) == Int64(last) + 1 || (next == 0 && last == Int32.max)
    }
}
