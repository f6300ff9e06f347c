package io.bigfile.postgres.catalog;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.Table;
import java.io.Serializable;
import java.time.Instant;
import org.hibernate.annotations.Generated;
import org.hibernate.generator.EventType;

/**
 * An autocommit write's idempotency key: a row of {@code idempotency_key}, written by the commit
 * that applied the request, in its transaction. It holds the request's fingerprint, the revision
 * its commit created (or the snapshot it read, when it changed nothing) and a copy of the file its
 * answer described, as that revision left it.
 */
@Entity
@Table(name = "idempotency_key")
@IdClass(StoredIdempotencyKey.Key.class)
public class StoredIdempotencyKey {

  /** The primary key: the principal and the client's key. */
  public record Key(String principal, String key) implements Serializable {}

  @Id
  @Column(columnDefinition = "text")
  private String principal;

  @Id
  @Column(name = "idempotency_key", columnDefinition = "text")
  private String key;

  @Column(nullable = false)
  private byte[] fingerprint;

  @Column(nullable = false)
  private long rev;

  @Column(name = "file_id", nullable = false)
  private long fileId;

  @Column(name = "block_size", nullable = false)
  private int blockSize;

  @Column(columnDefinition = "text")
  private String name;

  @Column(name = "content_type", columnDefinition = "text")
  private String contentType;

  @Column(nullable = false)
  private long size;

  @Column(nullable = false)
  private short format;

  @Column(nullable = false)
  private boolean deleted;

  @Column(name = "file_rev", nullable = false)
  private long fileRev;

  @Column(name = "file_created_at", nullable = false)
  private Instant fileCreatedAt;

  @Column(name = "file_modified_at", nullable = false)
  private Instant fileModifiedAt;

  @Generated(event = EventType.INSERT)
  @Column(name = "created_at", nullable = false, insertable = false, updatable = false)
  private Instant createdAt;

  @Column(name = "expires_at", nullable = false)
  private Instant expiresAt;

  protected StoredIdempotencyKey() {}

  /**
   * The key of a request whose answer is {@code answer}, the file's version seen at {@code rev}.
   */
  StoredIdempotencyKey(
      String principal,
      String key,
      byte[] fingerprint,
      long rev,
      FileVersion answer,
      Instant expiresAt) {
    this.principal = principal;
    this.key = key;
    this.fingerprint = fingerprint.clone();
    this.rev = rev;
    this.fileId = answer.fileId();
    this.blockSize = answer.file().blockSize();
    this.name = answer.name();
    this.contentType = answer.contentType();
    this.size = answer.size();
    this.format = answer.format();
    this.deleted = answer.deleted();
    this.fileRev = answer.rev();
    this.fileCreatedAt = answer.file().created().committedAt();
    this.fileModifiedAt = answer.revision().committedAt();
    this.expiresAt = expiresAt;
  }

  public String principal() {
    return principal;
  }

  public String key() {
    return key;
  }

  public byte[] fingerprint() {
    return fingerprint.clone();
  }

  public long rev() {
    return rev;
  }

  public long fileId() {
    return fileId;
  }

  public int blockSize() {
    return blockSize;
  }

  public String name() {
    return name;
  }

  public String contentType() {
    return contentType;
  }

  public long size() {
    return size;
  }

  public short format() {
    return format;
  }

  public boolean deleted() {
    return deleted;
  }

  public long fileRev() {
    return fileRev;
  }

  public Instant fileCreatedAt() {
    return fileCreatedAt;
  }

  public Instant fileModifiedAt() {
    return fileModifiedAt;
  }

  public Instant createdAt() {
    return createdAt;
  }

  public Instant expiresAt() {
    return expiresAt;
  }
}
