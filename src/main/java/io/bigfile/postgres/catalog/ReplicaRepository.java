package io.bigfile.postgres.catalog;

import java.util.List;
import java.util.Optional;
import org.springframework.data.jpa.repository.Modifying;
import org.springframework.data.jpa.repository.Query;
import org.springframework.data.repository.CrudRepository;

/**
 * The replica registry. Liveness is judged by the database's clock on both sides (the heartbeat
 * stamps {@code now()}, the look-ups compare with {@code now()}), so replicas' clocks need not
 * agree.
 */
public interface ReplicaRepository extends CrudRepository<RegisteredReplica, Long> {

  /** Says that replica {@code id} is alive; 0 when its row is gone. */
  @Modifying
  @Query(
      value =
          "update replica set heartbeat_at = now(), address = :address, draining = :draining"
              + " where id = :id",
      nativeQuery = true)
  int heartbeat(long id, String address, boolean draining);

  /** Registers replica {@code id} again, under the id it had, after its row was removed. */
  @Modifying
  @Query(
      value =
          "insert into replica (id, address, draining) values (:id, :address, :draining)"
              + " on conflict (id) do nothing",
      nativeQuery = true)
  int restore(long id, String address, boolean draining);

  /** Replica {@code id} if it said it is alive within the last {@code leaseSeconds}. */
  @Query(
      value =
          "select * from replica where id = :id"
              + " and heartbeat_at > now() - make_interval(secs => :leaseSeconds)",
      nativeQuery = true)
  Optional<RegisteredReplica> findLive(long id, double leaseSeconds);

  /** The replicas that said they are alive within the last {@code leaseSeconds}, by id. */
  @Query(
      value =
          "select * from replica where heartbeat_at > now() - make_interval(secs => :leaseSeconds)"
              + " order by id",
      nativeQuery = true)
  List<RegisteredReplica> findAllLive(double leaseSeconds);

  /** Forgets the replicas silent for longer than {@code seconds}; returns how many. */
  @Modifying
  @Query(
      value = "delete from replica where heartbeat_at < now() - make_interval(secs => :seconds)",
      nativeQuery = true)
  int deleteSilentFor(double seconds);
}
