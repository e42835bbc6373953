/** The part of `qjournal --help` after the command list: examples, environment variables, exit codes. */
export const HELP_FOOTER = `
Global options may come before or after the command: qjournal -c work.ini sync = qjournal sync -c work.ini.

Examples:
  qjournal init --bucket my-bucket --domain http://cdn.example.com --root ./backup
  qjournal keys set                      store the keys encrypted (asks twice for the passphrase)
  qjournal sync -n                       what would happen, changing nothing
  qjournal sync                          do it
  qjournal status --json                 the plan a sync would run, as JSON
  qjournal restore photos/a.jpg          a lost file back, by its key or by its local path
  qjournal schedule --when daily --install
  qjournal emulator --seed ./files       a local Kodo server with those files as objects
  source <(qjournal complete bash)       shell completion (also: zsh, fish, powershell)

Environment:
  QJOURNAL_CONFIG           config file when --config is not given (default ./config.ini)
  QINIU_ACCESS_KEY, QINIU_SECRET_KEY
                            the keys; win over any stored credentials
  QJOURNAL_CREDENTIALS      the encrypted credentials file (default: chosen by [credentials] profile, else
                            $XDG_CONFIG_HOME/qjournal/credentials.json)
  QJOURNAL_PASSPHRASE       its passphrase (else QJOURNAL_PASSPHRASE_FILE, else a prompt on a terminal)
  QJOURNAL_PASSPHRASE_FILE  a file holding the passphrase, readable only by you (what scheduled runs use)
  QJOURNAL_RETRY_ATTEMPTS, QJOURNAL_RETRY_BASE_MS
                            retries of a failed request (default 5) and the first backoff delay in ms
  QJOURNAL_DEBUG            print the stack trace of an internal error
  NO_COLOR                  no colours

Exit codes:
  0 ok   1 internal error   2 usage   3 config   4 remote unreachable or auth failed before any action
  5 partial (some actions failed)   6 safety abort, nothing applied   7 unresolved conflicts   8 not found (restore)
`;
