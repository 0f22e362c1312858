# Samba's own floor for creating users with passwords: N users added
# through Samba's Python bindings straight into sam.ldb, in one
# transaction (no LDAP, no per-user commit), with a password each.
# Prints "wall_ms cpu_ms" for the whole run. Used by the import benchmark
# (e2e/directory_test.go) to show what no client can go below.
import os, sys, time, secrets
from samba.samdb import SamDB
from samba.auth import system_session
from samba.param import LoadParm

n, prefix = int(sys.argv[1]), sys.argv[2]
lp = LoadParm()
lp.load_default()
db = SamDB(url=lp.private_path("sam.ldb"), session_info=system_session(), lp=lp)
base = db.domain_dn()
w0, c0 = time.monotonic(), time.process_time()
db.transaction_start()
for i in range(n):
    name = "%s%05d" % (prefix, i)
    pw = "Fl0or-" + secrets.token_urlsafe(12)
    db.add({
        "dn": "CN=%s,CN=Users,%s" % (name, base),
        "objectClass": "user",
        "sAMAccountName": name,
        "userPrincipalName": name + "@floor.invalid",
        "unicodePwd": ('"%s"' % pw).encode("utf-16-le"),
        "userAccountControl": "512",
    })
db.transaction_commit()
print("%.0f %.0f" % ((time.monotonic() - w0) * 1000, (time.process_time() - c0) * 1000))
