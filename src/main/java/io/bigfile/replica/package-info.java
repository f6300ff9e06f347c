/**
 * Several replicas behind one Service: how a request finds its transaction, and how a replica stops
 * without losing work.
 *
 * <p>A transaction's dirty pages live in the page cache of the replica that began it, and are
 * flushed at its commit (the design this service renders). Each replica registers in the database
 * ({@code replica}: id, address, heartbeat) and its id begins every transaction id it hands out
 * ({@link io.bigfile.replica.TransactionIds}); any replica that receives a request for a
 * transaction it does not own streams the request to the owner and the answer back ({@link
 * io.bigfile.replica.ForwardingFilter}), at most once. The owner serialises the transaction's
 * requests, wherever they arrived, as it does its own. A transaction whose replica stopped is lost,
 * like a database session whose backend died: every replica answers 404 with its own problem type.
 * At shutdown a replica drains ({@link io.bigfile.replica.Drain}).
 *
 * <p>Alternatives rejected: staging dirty pages in a database table at every write, as object
 * stores stage multipart parts (any replica could then serve any request, but every staged write
 * becomes a database write and the page cache leaves the write path); sticky routing by the load
 * balancer on {@code txn} (not expressible with a Kubernetes Service, and every client library and
 * proxy on the way would have to keep it); redirecting the client to the owner (the owner's address
 * is internal to the cluster and unreachable from outside it).
 */
package io.bigfile.replica;
