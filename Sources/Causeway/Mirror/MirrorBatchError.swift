/// A source batch the mirror cannot plan: corrupt, undecodable, or out of place.
public struct MirrorBatchError: Error, Hashable, Sendable, CustomStringConvertible {
    /// Source base offset of the batch.
    public var offset: Int64
    public var message: String

    public init(offset: Int64, _ message: String) {
        self.offset = offset
        self.message = message
    }

    public var description: String { "source batch at offset \(offset): \(message)" }
}
