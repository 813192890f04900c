"""A docker credential helper for the tests: the protocol of docker-credential-helpers (store,
get, erase, list; JSON on stdin and stdout), keeping the credentials in one JSON file,
$FLEETTEST_CREDENTIALS_FILE, so a test can see what the helper was given."""
import json
import os
import sys

path = os.environ['FLEETTEST_CREDENTIALS_FILE']
action = sys.argv[1] if len(sys.argv) > 1 else ''
try:
    with open(path) as handle:
        store = json.load(handle)
except (OSError, ValueError):
    store = {}
data = sys.stdin.read()
if action == 'store':
    entry = json.loads(data)
    store[entry['ServerURL']] = {'Username': entry['Username'], 'Secret': entry['Secret']}
elif action == 'get':
    server = data.strip()
    if server not in store:
        sys.stdout.write('credentials not found in native keychain\n')
        sys.exit(1)
    sys.stdout.write(json.dumps(dict(store[server], ServerURL=server)))
    sys.exit(0)
elif action == 'erase':
    store.pop(data.strip(), None)
elif action == 'list':
    sys.stdout.write(json.dumps(dict((k, v['Username']) for k, v in store.items())))
    sys.exit(0)
else:
    sys.stderr.write('unknown action %s\n' % action)
    sys.exit(2)
fd = os.open(path + '.tmp', os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
with os.fdopen(fd, 'w') as handle:
    json.dump(store, handle)
os.replace(path + '.tmp', path)
