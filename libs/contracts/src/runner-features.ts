/**
 * `info.features` exactly as gitlab-runner 18.x with the docker executor and the bash shell sends it on
 * jobs/request: network/gitlab.go `getFeatures` (trace_*, cancelable, cancel_gracefully, two_phase_job_commit,
 * job_inputs), executors/docker featuresUpdater (variables, image, services, session, terminal,
 * service_*, image_executor_opts, native_steps_integration) and shells/abstract.go `GetFeatures` (artifacts,
 * upload_*, cache, fallback_cache_keys, refspecs, masking, raw_variables, artifacts_exclude,
 * multi_build_steps, vault_secrets, return_exit_code). Keys follow common/network.go `FeaturesInfo`.
 */
export const GITLAB_RUNNER_18_FEATURES: Readonly<Record<string, boolean>> = Object.freeze({
  variables: true, image: true, services: true, artifacts: true, cache: true, fallback_cache_keys: true, shared: false,
  upload_multiple_artifacts: true, upload_raw_artifacts: true, session: true, terminal: true, refspecs: true,
  masking: true, proxy: false, raw_variables: true, artifacts_exclude: true, multi_build_steps: true,
  trace_reset: true, trace_checksum: true, trace_size: true, vault_secrets: true, cancelable: true,
  return_exit_code: true, service_variables: true, service_multiple_aliases: true, image_executor_opts: true,
  service_executor_opts: true, cancel_gracefully: true, native_steps_integration: true, two_phase_job_commit: true,
  job_inputs: true,
});

/** gitlab-runner's version string that goes with GITLAB_RUNNER_18_FEATURES. */
export const GITLAB_RUNNER_18_VERSION = "18.5.0";
