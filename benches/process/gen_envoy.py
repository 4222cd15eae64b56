"""Writes DIR/body.txt, an Envoy-shaped /stats/prometheus of 200 clusters (15.5 MB, the shape of
benches/gen's `envoy(200)`), and DIR/cutover.toml: 10 scrape sources on 127.0.0.1:18700-18709,
each read by six domains as benches/gen's `envoy_config` reads one."""
import random, sys, os
out_dir = sys.argv[1]
random.seed(7)
H=['upstream_rq_time', 'upstream_cx_connect_ms', 'upstream_cx_length_ms', 'upstream_rq_headers_count', 'upstream_rs_headers_count', 'upstream_rq_headers_size', 'upstream_rs_headers_size', 'upstream_rq_body_size', 'upstream_rs_body_size', 'upstream_rq_per_try_duration', 'internal_upstream_rq_time', 'external_upstream_rq_time', 'canary_upstream_rq_time', 'upstream_rq_timeout_budget_percent_used', 'upstream_rq_timeout_budget_per_try_percent_used', 'upstream_cx_tx_bytes_size', 'upstream_cx_rx_bytes_size', 'upstream_rq_per_try_idle_timeout', 'upstream_cx_pool_wait_ms', 'lb_subsets_selection_time', 'upstream_rq_retry_backoff_ms', 'zone_upstream_rq_time']
B=[0.5,1,5,10,25,50,100,250,500,1000,2500,5000,10000,30000,60000,300000,600000,1800000,3600000]
CC=['upstream_rq_xx', 'internal_upstream_rq_xx', 'external_upstream_rq_xx', 'canary_upstream_rq_xx', 'upstream_rq_retry_xx', 'zone_upstream_rq_xx', 'upstream_rq_completed_xx', 'upstream_rq_per_try_xx', 'upstream_rs_xx', 'upstream_rq_shadow_xx', 'upstream_rq_direct_xx', 'upstream_rq_redirect_xx']
C=['upstream_rq_total', 'upstream_cx_total', 'upstream_cx_destroy', 'upstream_rq_timeout', 'upstream_rq_retry', 'upstream_cx_connect_fail', 'upstream_rq_pending_total', 'upstream_rq_cancelled', 'upstream_rq_rx_reset', 'upstream_rq_tx_reset', 'upstream_cx_rx_bytes_total', 'upstream_cx_tx_bytes_total', 'upstream_flow_control_paused_reading_total', 'upstream_flow_control_resumed_reading_total', 'lb_healthy_panic', 'retry_or_shadow_abandoned', 'upstream_cx_protocol_error', 'upstream_rq_maintenance_mode']
G=['membership_healthy', 'membership_total', 'upstream_cx_active', 'upstream_rq_active', 'upstream_rq_pending_active', 'circuit_breakers_default_cx_open', 'max_host_weight', 'version']
def cl(i): return "outbound|8080|v1|svc-%03d.team-%02d.svc.cluster.local"%(i,i%17)
names=[cl(i) for i in range(200)]
o=["# TYPE envoy_server_uptime gauge\nenvoy_server_uptime{} 864213\n"]
for h in H:
    o.append("# TYPE envoy_cluster_%s histogram\n"%h)
    for c in names:
        cum=0
        for le in B:
            cum+=random.randrange(5000); o.append('envoy_cluster_%s_bucket{envoy_cluster_name="%s",le="%s"} %d\n'%(h,c,le,cum))
        cum+=random.randrange(50); o.append('envoy_cluster_%s_bucket{envoy_cluster_name="%s",le="+Inf"} %d\n'%(h,c,cum))
        o.append('envoy_cluster_%s_sum{envoy_cluster_name="%s"} %s\n'%(h,c,cum*(20+random.randrange(4000)/10)+0.5))
        o.append('envoy_cluster_%s_count{envoy_cluster_name="%s"} %d\n'%(h,c,cum))
for k in CC:
    o.append("# TYPE envoy_cluster_%s counter\n"%k)
    for c in names:
        for cls in range(1,6): o.append('envoy_cluster_%s{envoy_response_code_class="%d",envoy_cluster_name="%s"} %d\n'%(k,cls,c,random.randrange(10000000)))
for k in C:
    o.append("# TYPE envoy_cluster_%s counter\n"%k)
    for c in names: o.append('envoy_cluster_%s{envoy_cluster_name="%s"} %d\n'%(k,c,random.randrange(100000000)))
for g in G:
    o.append("# TYPE envoy_cluster_%s gauge\n"%g)
    for c in names: o.append('envoy_cluster_%s{envoy_cluster_name="%s"} %d\n'%(g,c,random.randrange(64)))
o.append("# TYPE envoy_server_live gauge\nenvoy_server_live{} 1\n")
open(os.path.join(out_dir, "body.txt"),"w").write("".join(o))
cfg=['[settings]\ninterval = "2s"\ntimeout = "1500ms"\nwindow = "1m"\nhistory = "1h"\n']
for s in range(10):
    cfg.append('\n[[source]]\nname = "envoy%d"\nurl = "http://127.0.0.1:%d/stats/prometheus"\n'%(s,18700+s))
for s in range(10):
    for d in range(6):
        cfg.append('\n[[domain]]\nname = "d%d-%d"\nstage = "canary"\n  [domain.traffic]\n  source = "envoy%d"\n'%(s,d,s))
        for side,c in (("legacy",cl(2*d)),("new",cl(2*d+1))):
            cfg.append("  %s.requests = 'envoy_cluster_upstream_rq_total{envoy_cluster_name=\"%s\"}'\n"%(side,c))
            cfg.append("  %s.errors = 'envoy_cluster_upstream_rq_xx{envoy_cluster_name=\"%s\",envoy_response_code_class=\"5\"}'\n"%(side,c))
open(os.path.join(out_dir, "cutover.toml"),"w").write("".join(cfg))
