/* The verification threads: argon2id takes ~50-100 ms and a RADIUS
 * exchange up to its timeout, so requests are queued and checked in
 * parallel, and answers go out as they finish. */
#include "auth.h"
#include "log.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

static struct auth_job *next_job(struct auth_pool *p)
{
	struct auth_job *job;

	while (!p->todo && !p->stopping)
		pthread_cond_wait(&p->more, &p->lock);
	job = p->todo;
	if (job) {
		p->todo = job->next;
		if (!p->todo)
			p->todo_tail = &p->todo;
	}
	return job;
}

static void *worker(void *arg)
{
	struct auth_pool *p = arg;
	uint64_t one = 1;

	pthread_mutex_lock(&p->lock);
	for (struct auth_job *job; (job = next_job(p)) != NULL;) {
		pthread_mutex_unlock(&p->lock);
		p->work(job);
		pthread_mutex_lock(&p->lock);
		job->next = p->done;
		p->done = job;
		if (write(p->efd, &one, sizeof one) < 0)
			log_err("authd: eventfd: %s", strerror(errno));
	}
	pthread_mutex_unlock(&p->lock);
	return NULL;
}

int auth_pool_start(struct auth_pool *p, int n, auth_work_fn work)
{
	memset(p, 0, sizeof *p);
	p->work = work;
	p->todo_tail = &p->todo;
	pthread_mutex_init(&p->lock, NULL);
	pthread_cond_init(&p->more, NULL);
	p->efd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (p->efd < 0)
		return -1;
	if (n < 1 || n > AUTH_MAX_THREADS)
		n = n < 1 ? 1 : AUTH_MAX_THREADS;
	for (int i = 0; i < n; i++) {
		if (pthread_create(&p->threads[i], NULL, worker, p) != 0) {
			auth_pool_stop(p);
			return -1;
		}
		p->n_threads++;
	}
	return 0;
}

void auth_pool_submit(struct auth_pool *p, struct auth_job *job)
{
	job->next = NULL;
	pthread_mutex_lock(&p->lock);
	*p->todo_tail = job;
	p->todo_tail = &job->next;
	pthread_cond_signal(&p->more);
	pthread_mutex_unlock(&p->lock);
}

struct auth_job *auth_pool_take_done(struct auth_pool *p)
{
	struct auth_job *list;
	uint64_t n;

	if (read(p->efd, &n, sizeof n) < 0 && errno != EAGAIN)
		log_err("authd: eventfd: %s", strerror(errno));
	pthread_mutex_lock(&p->lock);
	list = p->done;
	p->done = NULL;
	pthread_mutex_unlock(&p->lock);
	return list;
}

static void free_list(struct auth_job *j)
{
	while (j) {
		struct auth_job *next = j->next;

		auth_job_free(j);
		j = next;
	}
}

void auth_pool_stop(struct auth_pool *p)
{
	pthread_mutex_lock(&p->lock);
	p->stopping = true;
	pthread_cond_broadcast(&p->more);
	pthread_mutex_unlock(&p->lock);
	for (int i = 0; i < p->n_threads; i++)
		pthread_join(p->threads[i], NULL);
	free_list(p->todo);
	free_list(p->done);
	p->todo = p->done = NULL;
	p->todo_tail = &p->todo;
	if (p->efd >= 0)
		close(p->efd);
	p->efd = -1;
	p->n_threads = 0;
}
