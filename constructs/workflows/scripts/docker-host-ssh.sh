if [ -z "$SSH_PRIVATE_KEY" ] || [ -z "$SSH_KNOWN_HOSTS" ]; then
  echo "::error::set the secrets DOCKER_SSH_PRIVATE_KEY and DOCKER_SSH_KNOWN_HOSTS (ssh-keyscan output of $SSH_HOST) to reach the Docker host"
  exit 1
fi
umask 077
mkdir -p ~/.ssh
printf '%s\n' "$SSH_PRIVATE_KEY" > ~/.ssh/wtfb_deploy_key
printf '%s\n' "$SSH_KNOWN_HOSTS" >> ~/.ssh/known_hosts
printf 'Host %s\n  IdentityFile ~/.ssh/wtfb_deploy_key\n  IdentitiesOnly yes\n  StrictHostKeyChecking yes\n' "$SSH_HOST" >> ~/.ssh/config
