package io.bigfile.security.links;

/**
 * A request carried the parameters of a signed link, and the link does not allow it. The request is
 * refused (403) whatever else it carries.
 */
public final class LinkRefusedException extends Exception {

  private static final long serialVersionUID = 1L;

  /** Why a link was refused; each reason has one detail for the client. */
  public enum Reason {
    /** A link parameter is missing, repeated or not in its one valid form. */
    MALFORMED,
    /** The key id names no configured key: unknown, or removed (which revokes its links). */
    UNKNOWN_KEY,
    /** The signature does not match the request: tampered with, or used for another file. */
    BAD_SIGNATURE,
    /** The link's expiry has passed. */
    EXPIRED,
    /** The method is not one of the link's operations (a read link used to write). */
    WRONG_OPERATION,
    /** The path is not a file's content. */
    WRONG_PATH,
    /** A link acts outside transactions: {@code txn} is not allowed with it. */
    TRANSACTION
  }

  private final Reason reason;

  public LinkRefusedException(Reason reason, String detail) {
    super(detail, null, false, false);
    this.reason = reason;
  }

  public Reason reason() {
    return reason;
  }
}
