package io.bigfile.replica;

/**
 * Another live replica as the registry knows it.
 *
 * @param id its registry id
 * @param address host:port of its HTTP port
 * @param draining whether it is stopping (it begins no new transactions)
 */
record Peer(long id, String address, boolean draining) {}
