import CausewayStore

extension LinkConfiguration {
    /// The name the old source carries as the destination of a reversed link.
    public static let reversedDestinationName = "source"

    /// The link mirrored the other way (after `causeway reverse`): from the destination
    /// (the new primary) back to the source (the old primary), same topics, same offsets.
    /// Only a link with one destination can be reversed.
    public func reversed() throws -> LinkConfiguration {
        guard destinations.count == 1, let primary = destinations.first else {
            throw FailoverError("link \(name) has \(destinations.count) destinations; only a link with one destination can be reversed")
        }
        var reversed = self
        reversed.source = primary.cluster
        reversed.destinations = [DestinationConfiguration(name: Self.reversedDestinationName, cluster: source)]
        // Everything the new primary holds goes back, from its log start.
        reversed.startPosition = .earliest
        return reversed
    }

    /// The link as the store's direction says it runs now.
    public func directed(_ direction: LinkDirection) throws -> LinkConfiguration {
        switch direction {
        case .forward: self
        case .reversed: try reversed()
        }
    }
}
