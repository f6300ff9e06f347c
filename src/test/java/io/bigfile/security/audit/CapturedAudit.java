package io.bigfile.security.audit;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Predicate;
import org.slf4j.LoggerFactory;
import org.slf4j.event.KeyValuePair;

/**
 * Captures the events of the {@code bigfile.audit} logger in this JVM, each as its key-value pairs.
 * An event is written once the response is sent, so a test waits for it (at most 10 s).
 */
public final class CapturedAudit implements AutoCloseable {

  private final Logger logger = (Logger) LoggerFactory.getLogger(AuditLog.LOGGER);
  private final List<Map<String, Object>> events = new CopyOnWriteArrayList<>();
  private final AppenderBase<ILoggingEvent> appender =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
          Map<String, Object> fields = new LinkedHashMap<>();
          if (e.getKeyValuePairs() != null) {
            for (KeyValuePair kv : e.getKeyValuePairs()) {
              fields.put(kv.key, kv.value);
            }
          }
          fields.put("message", e.getFormattedMessage());
          events.add(fields);
        }
      };

  public CapturedAudit() {
    appender.setContext(logger.getLoggerContext());
    appender.start();
    logger.addAppender(appender);
  }

  public List<Map<String, Object>> events() {
    return List.copyOf(events);
  }

  /** The first event that matches, waiting for it. */
  public Map<String, Object> await(String what, Predicate<Map<String, Object>> match) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      for (Map<String, Object> e : events) {
        if (match.test(e)) {
          return e;
        }
      }
      LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(10));
    }
    throw new AssertionError("no audit event " + what + " among " + events);
  }

  /** The event of the action on the object (a file or transaction id), waiting for it. */
  public Map<String, Object> await(String action, String key, String id) {
    return await(
        action + " of " + id,
        e -> action.equals(e.get("event.action")) && id.equals(String.valueOf(e.get(key))));
  }

  @Override
  public void close() {
    logger.detachAppender(appender);
    appender.stop();
  }
}
