package dev.kinko.server.consensus;

/** A node of the region: its id, its Raft address and the address its API listens on. */
public record RegionMember(String nodeId, String raftAddress, String clientAddress) {}
