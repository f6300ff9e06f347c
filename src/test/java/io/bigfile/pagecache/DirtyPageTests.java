package io.bigfile.pagecache;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/** A dirty page moves only along DIRTY, STORED, CLEAN (or back to DIRTY from STORED). */
class DirtyPageTests {

  @Test
  void aCommittedPageGoesDirtyStoredClean() {
    DirtyPage p = new DirtyPage(new byte[4096], null);
    assertThat(p.state()).isEqualTo(PageState.DIRTY);
    p.writable()[0] = 1;
    p.markStored();
    assertThat(p.state()).isEqualTo(PageState.STORED);
    p.markClean();
    assertThat(p.state()).isEqualTo(PageState.CLEAN);
    assertThat(p.data()[0]).isEqualTo((byte) 1);
  }

  @Test
  void aCommitThatDidNotReachTheDatabaseLeavesThePageDirtyAndWritable() {
    DirtyPage p = new DirtyPage(new byte[4096], null);
    p.markStored();
    p.markDirty();
    assertThat(p.state()).isEqualTo(PageState.DIRTY);
    p.writable()[1] = 2;
    assertThat(p.data()[1]).isEqualTo((byte) 2);
  }

  @Test
  void aPageBeingStoredOrCommittedCannotBeWrittenOrMovedOutOfSequence() {
    DirtyPage stored = new DirtyPage(new byte[4096], null);
    stored.markStored();
    assertThatThrownBy(stored::writable).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(stored::markStored).isInstanceOf(IllegalStateException.class);

    DirtyPage clean = new DirtyPage(new byte[4096], null);
    clean.markStored();
    clean.markClean();
    assertThatThrownBy(clean::writable).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(clean::markDirty).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(clean::markClean).isInstanceOf(IllegalStateException.class);

    DirtyPage dirty = new DirtyPage(new byte[4096], null);
    assertThatThrownBy(dirty::markClean).isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(dirty::markDirty).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aSharedPageKeepsItsBytesAndItsBlockIsWrittenInACopy() {
    DirtyPage p = new DirtyPage(new byte[4096], null);
    p.writable()[0] = 1;
    p.share();
    assertThatThrownBy(p::writable).isInstanceOf(IllegalStateException.class);
    DirtyPage copy = p.copy();
    assertThat(copy.shared()).isFalse();
    assertThat(copy.state()).isEqualTo(PageState.DIRTY);
    copy.writable()[0] = 2;
    assertThat(p.data()[0]).isEqualTo((byte) 1);
    assertThat(copy.data()[0]).isEqualTo((byte) 2);
    // a shared page is still committed like any other
    p.markStored();
    p.markClean();
    assertThat(p.state()).isEqualTo(PageState.CLEAN);
  }
}
