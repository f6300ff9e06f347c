package io.bigfile.postgres;

import static org.assertj.core.api.Assertions.assertThat;

import io.bigfile.file.BigFileException;
import io.bigfile.file.StorageRejectedException;
import io.bigfile.file.StorageUnavailableException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/** Whether a database failure is worth a retry, by SQLSTATE, and that its text stays inside. */
class DatabaseErrorsTests {

  private static final String PG_TEXT =
      "ERROR: invalid byte sequence for encoding \"UTF8\": 0x00 ... unnamed portal parameter $10";

  private static BigFileException translate(String state) {
    // as the driver and Spring wrap it: the SQLException is a cause, not the exception itself
    return DatabaseErrors.translate(
        "writing", new RuntimeException("wrapped", new SQLException(PG_TEXT, state)));
  }

  @Test
  void connectionFailuresShutdownsAndRollbacksAreWorthARetry() {
    for (String state :
        new String[] {
          "08006", "08001", "57P01", "57P03", "40001", "40P01", "53300", "57014", null
        }) {
      assertThat(translate(state)).as(state).isInstanceOf(StorageUnavailableException.class);
    }
  }

  /**
   * The bounds on how long the database may take: a statement cancelled by its timeout, a session
   * ended for idling in a transaction (an upload whose client paused too long), a lock not obtained
   * in time.
   */
  @Test
  void timeoutsAreWorthARetry() {
    for (String state : new String[] {"57014", "25P03", "55P03"}) {
      assertThat(translate(state)).as(state).isInstanceOf(StorageUnavailableException.class);
    }
  }

  @Test
  void dataAndIntegrityErrorsAreNot() {
    for (String state :
        new String[] {"22021", "22P05", "22001", "23505", "23503", "42601", "XX000"}) {
      assertThat(translate(state)).as(state).isInstanceOf(StorageRejectedException.class);
    }
  }

  @Test
  void theDatabasesTextIsKeptOutOfTheMessage() {
    for (String state : new String[] {"22021", "08006", null}) {
      BigFileException e = translate(state);
      assertThat(e.getMessage()).doesNotContain("UTF8", "$10", "ERROR", "SQL");
      assertThat(e.getCause().getCause().getMessage()).isEqualTo(PG_TEXT);
    }
  }
}
