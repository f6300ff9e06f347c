package io.bigfile.postgres.catalog;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.FetchType;
import jakarta.persistence.Id;
import jakarta.persistence.IdClass;
import jakarta.persistence.JoinColumn;
import jakarta.persistence.ManyToOne;
import jakarta.persistence.Table;
import java.io.Serializable;

/**
 * A file's attributes as one revision left them: a row of {@code file_version}. The file as a
 * snapshot sees it is its newest version at or below the snapshot.
 */
@Entity
@Table(name = "file_version")
@IdClass(FileVersion.Key.class)
public class FileVersion {

  /** The primary key: file and revision. */
  public record Key(long fileId, long rev) implements Serializable {}

  @Id
  @Column(name = "file_id")
  private long fileId;

  @Id private long rev;

  @Column(columnDefinition = "text")
  private String name;

  /** The media type, or null for none. */
  @Column(name = "content_type", columnDefinition = "text")
  private String contentType;

  @Column(nullable = false)
  private long size;

  @Column(nullable = false)
  private short format;

  @Column(nullable = false)
  private boolean deleted;

  /** The {@code io.bigfile.block.Change}s of this revision, as a bit mask. */
  @Column(nullable = false)
  private short changes;

  @ManyToOne(fetch = FetchType.LAZY, optional = false)
  @JoinColumn(name = "file_id", insertable = false, updatable = false)
  private StoredFile file;

  @ManyToOne(fetch = FetchType.LAZY, optional = false)
  @JoinColumn(name = "rev", insertable = false, updatable = false)
  private Revision revision;

  protected FileVersion() {}

  public FileVersion(
      long fileId,
      long rev,
      String name,
      String contentType,
      long size,
      short format,
      boolean deleted,
      short changes) {
    this.fileId = fileId;
    this.rev = rev;
    this.name = name;
    this.contentType = contentType;
    this.size = size;
    this.format = format;
    this.deleted = deleted;
    this.changes = changes;
  }

  public long fileId() {
    return fileId;
  }

  public long rev() {
    return rev;
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

  public short changes() {
    return changes;
  }

  public StoredFile file() {
    return file;
  }

  public Revision revision() {
    return revision;
  }
}
