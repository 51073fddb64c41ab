{{ config(materialized='table') }}
-- The person (spec identity.md "Member ids: the crosswalk"): one row per member id that a
-- crosswalk row renames and that resolves, with the person's current member id, the id at
-- the end of its chain. Rule: crosswalk_chains_end_at_the_current_member_id.
--
--  * A row says previous_member_id -> member_id; staging keeps one row per
--    (payer_id, previous_member_id), so each id leads to at most one next id and a
--    walk from any id either ends at an id that leads nowhere (its current id) or
--    enters a cycle.
--  * Several ids may lead to one (A -> C, B -> C): each resolves to C.
--  * An id whose walk never ends (on a cycle, or running into one) does not resolve:
--    it keeps its own id and its crosswalk row is listed in marts.identity_issues.
--  * Ids never leave their payer: every join is on payer_id too.
--  * effective_date is not used: a row applies to all of the person's history.
--  * An id that no crosswalk row renames is its own current id (not listed here).
with edges as (
    select payer_id, previous_member_id, member_id
    from {{ source('staging', 'member_crosswalk') }}
),

-- every (start, reached) pair; UNION stops the walk on a cycle
walks as (
    with recursive walk(payer_id, start_id, reached_id) as (
        select payer_id, previous_member_id, member_id from edges
        union
        select w.payer_id, w.start_id, e.member_id
        from walk as w
        join edges as e on e.payer_id = w.payer_id and e.previous_member_id = w.reached_id
    )
    select * from walk
),

-- the end of each walk: the reached id that leads nowhere (none on a cycle)
final as (
    select
        w.payer_id,
        w.start_id as member_id,
        w.reached_id as current_member_id
    from walks as w
    anti join edges as e on e.payer_id = w.payer_id and e.previous_member_id = w.reached_id
)

select * from final
