#!/usr/bin/env bash
# recover doctor's transaction-mismatch, with the real dockerd 20.10 as the
# witness: Docker's devicemapper files restored from a backup older than the
# pool (transaction-metadata's open_transaction_id below the pool's). dockerd
# starts on it but says so in its log (processPendingTransaction: "Open
# Transaction id N is less than pool transaction id M") and rolls nothing
# back; doctor reports it (exit 6), --fix --dry-run changes nothing, --fix
# rewrites the file from the pool's id with a backup, and then dockerd starts
# without the complaint, every container reads back through docker cp, a new
# container runs (a new transaction on the pool), and doctor stays clean.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/doctor-lib.sh"
TX=$R/devicemapper/metadata/transaction-metadata
COMPLAINT="is less than pool transaction id"

test_expect_success 'setup: the crashed xfs state, clean to doctor; Docker and the pool agree on the transaction' '
	rm -rf '$R'/* && fixture_extract xfs '$R' &&
	mkdir -p /etc/docker && cp "$FIXTURE/daemon.json" /etc/docker/daemon.json &&
	expect_exit 0 "$LIFEBOAT" recover doctor -q &&
	expect_eq "$(pool_transaction)" "$(jq .open_transaction_id '$TX')" "transaction ids"
'

test_expect_success 'break: transaction-metadata from an older backup (open id below the pool'"'"'s)' '
	t=$(pool_transaction) && [ "$t" -gt 2 ] &&
	jq -c ".open_transaction_id = $((t - 2))" '$TX' >'$S'/tx && cp '$S'/tx '$TX' &&
	cp '$TX' '$S'/tx.broken &&
	pool_fingerprint '$R' >'$S'/pool.broken
'

test_expect_success 'dockerd on it: starts, complains in its log, and rolls nothing back' '
	start_dockerd broken || { tail -n 20 '$S'/dockerd.broken.log; false; }; up=$?
	[ $up = 0 ] && read_every_container; read_rc=$?
	stop_dockerd; grep "'"$COMPLAINT"'" '$S'/dockerd.broken.log; [ $up = 0 ] && [ $read_rc = 0 ] &&
	grep -q "'"$COMPLAINT"'" '$S'/dockerd.broken.log
'

test_expect_success 'doctor reports transaction-mismatch (exit 6) naming both ids' '
	t=$(pool_transaction) &&
	expect_exit 6 "$LIFEBOAT" recover doctor --json >d.json &&
	expect_eq transaction-mismatch "$(finding_codes d.json)" codes &&
	jq -r ".findings[] | select(.code == \"transaction-mismatch\") | tostring" d.json | tee f &&
	grep -q "$t" f && grep -q "$((t - 2))" f
'

test_expect_success '--fix --dry-run changes nothing' '
	pool_fingerprint '$R' >before &&
	"$LIFEBOAT" recover doctor --fix --dry-run >dry.out 2>&1; cat dry.out &&
	expect_file_same '$S'/tx.broken '$TX' && pool_fingerprint '$R' >after && expect_file_same before after
'

test_expect_success '--fix rewrites transaction-metadata with the pool'"'"'s id, backs up the old one, comes out clean' '
	t=$(pool_transaction) &&
	"$LIFEBOAT" recover doctor --fix >fix.out 2>&1; rc=$?; cat fix.out; [ $rc = 0 ] &&
	expect_eq "$t" "$(jq .open_transaction_id '$TX')" "open_transaction_id" &&
	backup=$(ls '$R'/devicemapper/lifeboat-backup-*/metadata/transaction-metadata) &&
	echo "backup: $backup" && [ -n "$backup" ] && expect_file_same '$S'/tx.broken "$backup" &&
	expect_exit 0 "$LIFEBOAT" recover doctor -q
'

test_expect_success 'dockerd on the repaired state: no complaint, every container reads back, a new container runs' '
	start_dockerd fixed || { tail -n 20 '$S'/dockerd.fixed.log; false; }; up=$?
	[ $up = 0 ] && read_every_container && $docker run --rm --network none lifeboat-demo:1 cat /etc/motd >motd
	rc=$?; stop_dockerd; [ $up = 0 ] && [ $rc = 0 ] &&
	expect_eq "welcome to the image" "$(cat motd)" "new container" &&
	! grep -q "'"$COMPLAINT"'" '$S'/dockerd.fixed.log &&
	expect_exit 0 "$LIFEBOAT" recover doctor -q
'
test_done
