package io.bigfile.schemacheck;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.Id;
import jakarta.persistence.Table;

/** An entity that disagrees with the schema: {@code file_version} has no column {@code label}. */
@Entity
@Table(name = "file_version")
public class MisnamedVersion {

  @Id
  @Column(name = "file_id")
  private long fileId;

  @Column(name = "label")
  private String label;

  protected MisnamedVersion() {}
}
