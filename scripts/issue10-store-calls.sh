#!/usr/bin/env bash
# Issue 10: `tongxin_store::Store` was split into per-feature repositories (`store.residents()`,
# `store.accounts()`, `store.cases()` …). This rewrites call sites of the old Store methods to the
# repository methods. Idempotent: a rewritten call no longer matches, so it is safe to run again
# after moving files. Usage: scripts/issue10-store-calls.sh PATH… (files or directories; only *.rs
# files are touched).
#
# A call is rewritten only when its receiver is a store handle as the tree names it: `store`,
# `store()`, `s`, `st` (the web's AppState is `s`, whose `.store` is already matched by `store`),
# `check`, `copy`, `restored` (test and backup handles). Other receivers (e.g. the web tests'
# `w.case(id)`) are left alone.
set -euo pipefail
[ $# -gt 0 ] || { echo "usage: $0 PATH…" >&2; exit 2; }

# old method | repository accessor | new method
MAP='
audit|audit|record
audit_list|audit|list
audit_verify|audit|verify
audit_head|audit|head
seal_audit_head|audit|seal_head
audit_verify_anchored|audit|verify_anchored
region_levels|exchange|region_levels
grid_shapes_in_bbox|exchange|grid_shapes_in_bbox
buildings_in_grids|exchange|buildings_in_grids
households_in_buildings|exchange|households_in_buildings
registered_id_numbers|exchange|registered_id_numbers
residents_for_export|exchange|residents
insert_team_members|party|insert_team_members
party_orgs|party|orgs
party_org|party|org
party_members|party|members
grid_team|party|grid_team
departments|departments|list
department|departments|get
buildings|places|buildings
building|places|building
building_by_qr|places|building_by_qr
building_points|places|building_points
households|places|households
household|places|household
grid_building_qr|places|qr_sheet
geometry_revision|regions|geometry_revision
region|regions|get
regions_in_scope|regions|in_scope
region_children|regions|children
shapes|regions|shapes
shape|regions|shape
count_regions|regions|count_by_level
insert_residents|residents|insert_many
existing_id_numbers|residents|existing_id_numbers
search_residents|residents|search
search_residents_as|residents|search_as
resident|residents|get
resident_unmasked|residents|get_unmasked
create_resident|residents|create
update_resident|residents|update
count_residents|residents|count
household_members|residents|in_household
setting|settings|get
set_setting|settings|set
create_user|accounts|create_user
user|accounts|user
users|accounts|users
credentials|accounts|credentials
record_login_failure|accounts|record_login_failure
record_login_success|accounts|record_login_success
use_totp_step|accounts|use_totp_step
set_totp_secret|accounts|set_totp_secret
set_password|accounts|set_password
update_user_access|accounts|update_access
create_session|accounts|create_session
session|accounts|session
confirm_second_factor|accounts|confirm_second_factor
delete_session|accounts|delete_session
create_api_token|accounts|create_api_token
create_api_token_until|accounts|create_api_token_until
api_tokens|accounts|api_tokens
revoke_any_api_token|accounts|revoke_any_api_token
revoke_api_token|accounts|revoke_api_token
user_by_api_token|accounts|user_by_api_token
visits|visits|list
record_visit|visits|record
grid_tasks|cases|grid_tasks
seed_categories|categories|seed
categories|categories|list
upsert_category|categories|upsert
routing_rules|categories|rules
create_rule|categories|create_rule
update_rule|categories|update_rule
delete_rule|categories|delete_rule
case_created_times|cases|created_times
open_case_counts|cases|open_counts
existing_dedupe_keys|cases|existing_dedupe_keys
create_open311_client|open311|create_client
open311_client_by_key|open311|client_by_key
open311_clients|open311|clients
revoke_open311_client|open311|revoke_client
open311_changeset|open311|changeset
open311_requests|open311|requests
claim_outbox|outbox|claim
deliver_notices|outbox|deliver_notices
mark_outbox_sent|outbox|mark_sent
mark_outbox_failed|outbox|mark_failed
release_outbox|outbox|release
dead_letters|outbox|dead_letters
outbox_status|outbox|status
notices|outbox|notices
requester_phones|outbox|requester_phones
requester_phone|outbox|requester_phone
mark_outbox_sent_many|outbox|mark_sent_many
outbox_backlog|outbox|backlog
case|cases|get
case_for_requester|cases|for_requester
case_photo_refs|cases|photo_refs
case_events|cases|events
merged_children|cases|merged_children
case_queue|cases|queue
search_has_area_words|cases|search_has_area_words
rebuild_search_index|cases|rebuild_search_index
unit_month_stats|cases|unit_month_stats
count_cases|cases|count
seed_synthetic_cases|cases|seed_synthetic
mark_deadline_warnings|cases|mark_deadline_warnings
mark_overdue|cases|mark_overdue
pending_supervisions|cases|pending_supervisions
drop_pending_supervision|cases|drop_pending_supervision
quarantine_case|cases|quarantine
quarantined_cases|cases|quarantined
insert_cases|cases|insert
apply_case_change|cases|apply_change
'

files=$(find "$@" -type f -name '*.rs')
[ -n "$files" ] || exit 0

MAP="$MAP" perl -0777 -i -pe '
    BEGIN {
        for my $line (split /\n/, $ENV{MAP}) {
            next unless $line =~ /\S/;
            my ($old, $acc, $new) = split /\|/, $line;
            push @rules, [$old, $acc, $new];
        }
        $recv = qr/\b(?:store(?:\(\))?|s|st|check|copy|restored)/;
    }
    for my $r (@rules) {
        my ($old, $acc, $new) = @$r;
        if ($old eq $acc) {
            # The accessor has the old name: only an old call with arguments, or the old
            # zero-argument `categories()` directly awaited, is rewritten.
            s/($recv\s*)\.\Q$old\E\((?!\))/$1.$acc().$new(/g;
            s/($recv\s*)\.\Q$old\E\(\)(?=\s*\.await)/$1.$acc().$new()/g;
        } else {
            s/($recv\s*)\.\Q$old\E\(/$1.$acc().$new(/g;
        }
    }
    # Doc comments that named a Store method: `store.<repository>().<method>` (plain code, not a
    # doc link, so it reads the same wherever the comment is).
    for my $r (@rules) {
        my ($old, $acc, $new) = @$r;
        s/\[`(?:tongxin_store::|crate::)?Store::\Q$old\E`\]/`store.$acc().$new`/g;
        s/`(?:tongxin_store::|crate::)?Store::\Q$old\E`/`store.$acc().$new`/g;
    }
    # Module paths that moved.
    s/\btongxin_store::users\b/tongxin_store::accounts/g;
' $files
