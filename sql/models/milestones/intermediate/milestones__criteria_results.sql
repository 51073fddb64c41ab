-- Every node of every episode milestone's criteria tree (staging.contract_criteria)
-- decided met / not_met / unknown on the evidence dated on or before the as-of
-- date (spec/contracts.md "Deciding a criterion").
--
-- Leaves are evaluated set-based. all / any are combined bottom-up by a
-- recursive CTE that walks the tree one depth level per iteration, deepest
-- first (no depth limit). Three-valued logic as an ordinal:
--   not_met = 0 < unknown = 1 < met = 2;  all = min(children), any = max(children)
-- which is exactly the spec's table (all: not met if any part not met, met if
-- every part met, else unknown; any: met if any part met, not met if every part
-- not met, else unknown).
--
-- Each node also carries `detail` (what decided it, for the evidence text) and
-- `needed` (what evidence it still lacks; empty once the node is decided, so a
-- leaf under an already decided all/any needs nothing).
with recursive params as (
    select {{ as_of() }}::date as as_of
),

windows as (
    select * from {{ ref('milestones__milestone_windows') }}
),

-- depth recomputed from the parent links (root: parent_node_id is null)
tree_nodes(contract_id, timepoint_months, node_id, parent_node_id, position, depth,
           kind, instrument, threshold, milestone) as (
    select contract_id, timepoint_months, node_id, parent_node_id, position, 0,
           kind, instrument, threshold, milestone
    from {{ source('staging', 'contract_criteria') }}
    where parent_node_id is null
    union all
    select c.contract_id, c.timepoint_months, c.node_id, c.parent_node_id, c.position, t.depth + 1,
           c.kind, c.instrument, c.threshold, c.milestone
    from {{ source('staging', 'contract_criteria') }} as c
    join tree_nodes as t
        on t.contract_id = c.contract_id
       and t.timepoint_months = c.timepoint_months
       and t.node_id = c.parent_node_id
),

episode_nodes as (
    select
        w.episode_id, w.payer_id, w.member_id, w.contract_id, w.infusion_date,
        w.timepoint_months, w.due_date, w.window_start, w.window_end,
        w.assessment_selection, w.baseline_start,
        n.node_id, n.parent_node_id, n.position, n.depth, n.kind,
        n.instrument, n.threshold, n.milestone
    from windows as w
    join tree_nodes as n
        on n.contract_id = w.contract_id and n.timepoint_months = w.timepoint_months
),

motor_targets as (
    select distinct episode_id, timepoint_months, payer_id, member_id,
           infusion_date, window_start, window_end, milestone
    from episode_nodes
    where kind = 'motor_milestone'
),

motor_achieved as (
    select m.episode_id, m.timepoint_months, m.milestone,
           a.assessment_id as achieved_assessment_id,
           a.assessment_date as achieved_date
    from motor_targets as m
    join {{ ref('milestones__assessment_evidence') }} as a
        on a.payer_id = m.payer_id
       and a.member_id = m.member_id
       and a.instrument = 'MOTOR_MILESTONE'
       and a.milestone = m.milestone
       and a.achieved
       and a.assessment_date between m.infusion_date and m.window_end
    qualify row_number() over (
        partition by m.episode_id, m.timepoint_months, m.milestone
        order by a.assessment_date, a._delivery_seq desc, a._row_number desc, a.assessment_id
    ) = 1
),

motor_not_achieved as (
    select m.episode_id, m.timepoint_months, m.milestone,
           a.assessment_id as not_achieved_assessment_id,
           a.assessment_date as not_achieved_date
    from motor_targets as m
    join {{ ref('milestones__assessment_evidence') }} as a
        on a.payer_id = m.payer_id
       and a.member_id = m.member_id
       and a.instrument = 'MOTOR_MILESTONE'
       and a.milestone = m.milestone
       and not a.achieved
       and a.assessment_date between m.window_start and m.window_end
    qualify row_number() over (
        partition by m.episode_id, m.timepoint_months, m.milestone
        order by a.assessment_date desc, a._delivery_seq desc, a._row_number desc, a.assessment_id desc
    ) = 1
),

leaf_inputs as (
    select
        n.*,
        pe.death_date,
        pe.death_event_id,
        pe.last_contact_date,
        pe.last_contact_source,
        pe.last_contact_feed,
        pe.last_contact_id,
        pv.onset_date as pv_onset_date,
        pv.onset_basis as pv_onset_basis,
        pv.onset_source as pv_onset_source,
        pv.onset_event_id as pv_onset_event_id,
        pv.run_start as pv_run_start,
        pv.run_end as pv_run_end,
        pv.run_min_hours as pv_run_min_hours,
        s.selected_assessment_id,
        s.selected_date,
        s.selected_score,
        s.baseline_assessment_id,
        s.baseline_date,
        s.baseline_score,
        ma.achieved_assessment_id,
        ma.achieved_date,
        mn.not_achieved_assessment_id,
        mn.not_achieved_date
    from episode_nodes as n
    left join {{ ref('milestones__person_evidence') }} as pe
        on pe.payer_id = n.payer_id and pe.member_id = n.member_id
    left join {{ ref('milestones__permanent_ventilation') }} as pv
        on pv.payer_id = n.payer_id and pv.member_id = n.member_id
    left join {{ ref('milestones__milestone_scores') }} as s
        on n.kind in ('score_min', 'score_gain')
       and s.episode_id = n.episode_id
       and s.timepoint_months = n.timepoint_months
       and s.instrument = n.instrument
    left join motor_achieved as ma
        on n.kind = 'motor_milestone'
       and ma.episode_id = n.episode_id
       and ma.timepoint_months = n.timepoint_months
       and ma.milestone = n.milestone
    left join motor_not_achieved as mn
        on n.kind = 'motor_milestone'
       and mn.episode_id = n.episode_id
       and mn.timepoint_months = n.timepoint_months
       and mn.milestone = n.milestone
    where n.kind not in ('all', 'any')
),

leaf_values as (
    select
        *,
        case kind
            when 'alive' then
                case
                    when death_date <= due_date then 0
                    when last_contact_date >= window_start then 2
                    else 1
                end
            when 'ventilator_free_survival' then
                case
                    when death_date <= due_date or pv_onset_date <= due_date then 0
                    when last_contact_date >= window_start then 2
                    else 1
                end
            when 'score_min' then
                case
                    when selected_score is null then 1
                    when selected_score >= threshold then 2
                    else 0
                end
            when 'score_gain' then
                case
                    when selected_score is null or baseline_score is null then 1
                    when selected_score - baseline_score >= threshold then 2
                    else 0
                end
            when 'motor_milestone' then
                case
                    when achieved_assessment_id is not null then 2
                    when not_achieved_assessment_id is not null then 0
                    else 1
                end
            else 1
        end as value,
        case kind
            when 'alive' then 'alive'
            when 'ventilator_free_survival' then 'ventilator_free_survival'
            when 'score_min' then 'score_min ' || instrument || ' ≥ ' || threshold::varchar
            when 'score_gain' then 'score_gain ' || instrument || ' +' || threshold::varchar
            when 'motor_milestone' then 'motor_milestone ' || milestone
            else kind
        end as label,
        'death ' || death_date::varchar || ' (event ' || death_event_id || ') on/before due '
            || due_date::varchar as death_text,
        'permanent ventilation onset ' || pv_onset_date::varchar || ' (' || pv_onset_basis
            || ') on/before due ' || due_date::varchar as pv_text,
        'contact ' || last_contact_date::varchar || ' (' || last_contact_source
            || ') on/after window start ' || window_start::varchar as contact_text,
        instrument || ' ' || selected_score::varchar || ' on ' || selected_date::varchar
            || ' (' || selected_assessment_id || ', ' || assessment_selection || ')' as selected_text,
        'baseline ' || baseline_score::varchar || ' on ' || baseline_date::varchar
            || ' (' || baseline_assessment_id || ')' as baseline_text
    from leaf_inputs
),

leaf_results as (
    select
        episode_id, timepoint_months, node_id, parent_node_id, position, depth, kind, value,
        label || ' '
        || case value when 2 then 'met' when 0 then 'not_met' else 'unknown' end
        || ': '
        || case kind
            when 'alive' then
                case value
                    when 0 then death_text
                    when 2 then contact_text || '; no death on/before due ' || due_date::varchar
                    else 'no contact on/after window start ' || window_start::varchar
                end
            when 'ventilator_free_survival' then
                case value
                    when 0 then concat_ws('; ',
                        case when death_date <= due_date then death_text end,
                        case when pv_onset_date <= due_date then pv_text end)
                    when 2 then contact_text
                        || '; no death or permanent ventilation onset on/before due ' || due_date::varchar
                    else 'no contact on/after window start ' || window_start::varchar
                        || '; no death or permanent ventilation onset on/before due ' || due_date::varchar
                end
            when 'score_min' then
                case value
                    when 1 then 'no ' || instrument || ' score between ' || window_start::varchar
                        || ' and ' || window_end::varchar
                    else selected_text || case value when 2 then ' ≥ ' else ' < ' end || threshold::varchar
                end
            when 'score_gain' then
                case
                    when value <> 1 then
                        selected_text || ' vs ' || baseline_text || ': gain '
                        || (selected_score - baseline_score)::varchar
                        || case value when 2 then ' ≥ ' else ' < ' end || threshold::varchar
                    else concat_ws('; ',
                        case when selected_score is null then 'no ' || instrument || ' score between '
                            || window_start::varchar || ' and ' || window_end::varchar
                            else selected_text end,
                        case when baseline_score is null then 'no baseline ' || instrument || ' between '
                            || baseline_start::varchar || ' and ' || infusion_date::varchar
                            else baseline_text end)
                end
            when 'motor_milestone' then
                case value
                    when 2 then milestone || ' achieved on ' || achieved_date::varchar
                        || ' (' || achieved_assessment_id || ')'
                    when 0 then 'not achieved on ' || not_achieved_date::varchar
                        || ' (' || not_achieved_assessment_id || '), no achieved between '
                        || infusion_date::varchar || ' and ' || window_end::varchar
                    else 'no ' || milestone || ' assessment (achieved since ' || infusion_date::varchar
                        || ' or not achieved between ' || window_start::varchar || ' and '
                        || window_end::varchar || ')'
                end
            else 'unsupported criterion kind'
        end as detail,
        case when value = 1 then
            case kind
                when 'alive' then
                    'contact (visit or alive confirmation) on or after ' || window_start::varchar
                when 'ventilator_free_survival' then
                    'contact (visit or alive confirmation) on or after ' || window_start::varchar
                when 'score_min' then
                    instrument || ' score between ' || window_start::varchar || ' and '
                    || window_end::varchar || ' (needs ≥ ' || threshold::varchar || ')'
                when 'score_gain' then
                    case
                        when baseline_score is null then
                            'baseline ' || instrument || ' missing (none between ' || baseline_start::varchar
                            || ' and ' || infusion_date::varchar || '): score_gain cannot be met without one'
                        else instrument || ' score between ' || window_start::varchar || ' and '
                            || window_end::varchar || ' (needs ≥ '
                            || (baseline_score + threshold)::varchar || ': ' || baseline_text
                            || ' + ' || threshold::varchar || ')'
                    end
                when 'motor_milestone' then
                    milestone || ' motor milestone assessment between ' || window_start::varchar
                    || ' and ' || window_end::varchar
                else 'a supported criterion (unknown kind ' || kind || ')'
            end
        end as needed
    from leaf_values
),

max_depth as (
    select coalesce(max(depth), 0) as d from episode_nodes
),

-- Bottom-up: the working table at level L holds every node at depth L (decided)
-- plus every leaf shallower than L (carried unchanged). A step folds the nodes
-- at depth L into their parents (depth L - 1) and carries the rest as they are,
-- outside the group-by (grouping them as one-row groups was most of the cost).
evaluated(level, episode_id, timepoint_months, node_id, parent_node_id, position, depth,
          kind, value, detail, needed) as (
    select (select d from max_depth), episode_id, timepoint_months, node_id, parent_node_id,
           position, depth, kind, value, detail, needed
    from leaf_results
    union all
    (
    select c.level - 1, c.episode_id, c.timepoint_months, c.node_id, c.parent_node_id, c.position,
           c.depth, c.kind, c.value, c.detail, c.needed
    from evaluated as c
    where c.level > 0 and c.depth < c.level
    union all
    select
        level, episode_id, timepoint_months, node_id, parent_node_id, position, depth, kind, value,
        kind || ' ' || case value when 2 then 'met' when 0 then 'not_met' else 'unknown' end
            || ' [' || child_detail || ']',
        case
            when value <> 1 then null
            when kind = 'any' and needs_count > 1 then 'one of: ' || needs_any
            else needs_all
        end
    from (
        select
            c.level - 1 as level,
            p.episode_id, p.timepoint_months, p.node_id, p.parent_node_id, p.position, p.depth, p.kind,
            case p.kind when 'all' then min(c.value) else max(c.value) end as value,
            string_agg(c.detail, '; ' order by c.position, c.node_id) as child_detail,
            string_agg(c.needed, '; ' order by c.position, c.node_id) as needs_all,
            string_agg('(' || c.needed || ')', ' OR ' order by c.position, c.node_id) as needs_any,
            count(c.needed) as needs_count
        from evaluated as c
        join episode_nodes as p
            on p.episode_id = c.episode_id
           and p.timepoint_months = c.timepoint_months
           and p.node_id = c.parent_node_id
        where c.level > 0 and c.depth = c.level
        group by c.level, p.episode_id, p.timepoint_months, p.node_id, p.parent_node_id,
                 p.position, p.depth, p.kind
    ) as folded
    )
),

final as (
    select
        n.episode_id,
        n.payer_id,
        n.member_id,
        n.contract_id,
        n.timepoint_months,
        n.node_id,
        n.parent_node_id,
        n.position,
        n.depth,
        n.kind,
        n.instrument,
        n.threshold,
        n.milestone,
        case e.value when 2 then 'met' when 0 then 'not_met' else 'unknown' end as result,
        e.detail,
        e.needed,
        p.as_of as as_of_date,
        -- the evidence a leaf was judged on (NULL on all / any): read by milestones' evidence rows
        n.due_date,
        n.window_start,
        l.death_date,
        l.death_event_id,
        l.pv_onset_date,
        l.pv_onset_source,
        l.pv_onset_event_id,
        l.pv_run_start,
        l.pv_run_end,
        l.pv_run_min_hours,
        l.last_contact_date,
        l.last_contact_source,
        l.last_contact_feed,
        l.last_contact_id,
        l.selected_assessment_id,
        l.selected_date,
        l.selected_score,
        l.baseline_assessment_id,
        l.baseline_date,
        l.baseline_score,
        l.achieved_assessment_id,
        l.achieved_date,
        l.not_achieved_assessment_id,
        l.not_achieved_date
    from evaluated as e
    join episode_nodes as n
        on n.episode_id = e.episode_id
       and n.timepoint_months = e.timepoint_months
       and n.node_id = e.node_id
    cross join params as p
    left join leaf_inputs as l
        on l.episode_id = e.episode_id
       and l.timepoint_months = e.timepoint_months
       and l.node_id = e.node_id
    where e.level = e.depth
)

select * from final
