package io.bigfile.postgres.catalog;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;

/**
 * A file's identity and what never changes about it: a row of {@code file}. What changes (name,
 * size, format, deletion) is in its {@link FileVersion}s.
 */
@Entity
@Table(name = "file")
public class StoredFile {

  @Id private long id;

  @Column(name = "block_size", nullable = false)
  private int blockSize;

  @Column(name = "created_rev", nullable = false)
  private long createdRev;

  /** The revision that created the file (for its creation time). */
  @ManyToOne(fetch = FetchType.LAZY, optional = false)
  @JoinColumn(name = "created_rev", insertable = false, updatable = false)
  private Revision created;

  protected StoredFile() {}

  public StoredFile(long id, int blockSize, long createdRev) {
    this.id = id;
    this.blockSize = blockSize;
    this.createdRev = createdRev;
  }

  public long id() {
    return id;
  }

  public int blockSize() {
    return blockSize;
  }

  public long createdRev() {
    return createdRev;
  }

  public Revision created() {
    return created;
  }
}
